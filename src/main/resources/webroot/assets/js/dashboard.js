// Draws the dashboard's chart from the JSON block the page carries (the table beside it is the
// same data, readable without JavaScript). No inline script: the CSP allows only files of this origin.
(function () {
  var el = document.getElementById('stats-chart');
  var data = document.getElementById('stats-data');
  var labels = document.getElementById('stats-labels');
  if (!el || !data || !window.echarts) {
    return;
  }
  var d = JSON.parse(data.textContent);
  var chart = window.echarts.init(el, null, { renderer: 'svg' });
  chart.setOption({
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { data: [labels.dataset.held, labels.dataset.outcomes] },
    grid: { left: 8, right: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: d.labels, inverse: true },
    series: [
      { name: labels.dataset.held, type: 'bar', data: d.held, itemStyle: { color: '#b3261e' } },
      { name: labels.dataset.outcomes, type: 'bar', data: d.outcomes, itemStyle: { color: '#0d6efd' } }
    ]
  });
  window.addEventListener('resize', function () { chart.resize(); });
})();
