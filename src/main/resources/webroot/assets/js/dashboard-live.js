// Live refresh of the dashboard: the server says "refresh" over server-sent events when a record or
// an outcome inside this unit was committed on any node; the body of the page is then fetched again
// (htmx, which sends HX-Request so the server renders that part only) and the charts are redrawn.
// Several changes close together cause one reload. Without EventSource or htmx the page stays as it
// is (reloading it shows the new figures).
(function () {
  var body = document.getElementById('stats-body');
  var status = document.getElementById('stats-live-status');
  if (!body || !status || !body.dataset.live || !window.EventSource) {
    return;
  }
  var source = new EventSource(body.dataset.live);
  var pending = null;

  function say(text) {
    status.textContent = text;
  }

  source.addEventListener('ready', function () {
    status.dataset.state = 'live';
    say(status.dataset.liveOn);
  });
  source.addEventListener('error', function () {
    // the browser reconnects by itself (after the "retry" the server gave)
    status.dataset.state = 'off';
    say(status.dataset.liveOff);
  });
  source.addEventListener('refresh', function () {
    if (pending || !window.htmx) {
      return;
    }
    pending = setTimeout(function () {
      window.htmx.ajax('GET', window.location.pathname + window.location.search,
        { target: '#stats-body', swap: 'outerHTML' }).then(function () {
          pending = null;
          var now = document.getElementById('stats-body');
          status.dataset.state = 'refreshed';
          say(status.dataset.updated + ' ' + (now ? now.dataset.updatedAt : ''));
        }, function () {
          pending = null;
        });
    }, 500);
  });
  window.addEventListener('pagehide', function () { source.close(); });
})();
