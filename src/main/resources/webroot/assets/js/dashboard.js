// Draws the dashboard's charts from the JSON block the page carries (the tables beside them hold
// the same numbers, readable without JavaScript), and again whenever live refresh has replaced the
// dashboard's body. No inline script: the CSP allows only files of this origin.
(function () {
  var charts = [];

  function bars(el, categories, series) {
    // one bar group per row: tall enough that no label hides another
    el.style.height = Math.max(el.classList.contains('stats-chart-small') ? 256 : 352, categories.length * 22 + 70) + 'px';
    var chart = window.echarts.init(el, null, { renderer: 'svg' });
    chart.setOption({
      animation: false,
      // ECharts' own description of the chart for screen readers (its aria-label); the table beside it holds the numbers
      aria: { enabled: true },
      tooltip: { trigger: 'axis' },
      legend: { data: series.map(function (s) { return s.name; }) },
      grid: { left: 8, right: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: categories, inverse: true },
      series: series.map(function (s) {
        return { name: s.name, type: 'bar', data: s.data, itemStyle: { color: s.color } };
      })
    });
    charts.push(chart);
  }

  function draw() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    var data = document.getElementById('stats-data');
    var labels = document.getElementById('stats-labels');
    if (!data || !labels || !window.echarts) {
      return;
    }
    var d = JSON.parse(data.textContent);
    var units = document.getElementById('stats-chart');
    if (units) {
      bars(units, d.labels, [
        { name: labels.dataset.held, data: d.held, color: '#b3261e' },
        { name: labels.dataset.outcomes, data: d.outcomes, color: '#0d6efd' }
      ]);
    }
    var kinds = document.getElementById('kinds-chart');
    if (kinds) {
      bars(kinds, d.kinds.labels.concat(d.formats.labels), [
        { name: labels.dataset.held, data: d.kinds.values.concat(d.formats.values), color: '#b3261e' }
      ]);
    }
  }

  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  document.body.addEventListener('htmx:afterSettle', function () {
    if (document.getElementById('stats-body')) {
      draw();
    }
  });
  draw();
})();
