// Live progress bars on the admin's Reports page: poll the runs still queued or running every
// two seconds; when one finishes, reload so its download link and size appear.
(function () {
  "use strict";
  var INTERVAL_MS = 2000;

  function activeRuns() {
    return Array.prototype.slice.call(
      document.querySelectorAll('[data-report-run][data-status="queued"], [data-report-run][data-status="running"]')
    );
  }

  function poll() {
    var rows = activeRuns();
    if (!rows.length) return;
    var ids = rows.map(function (row) { return row.getAttribute("data-report-run"); });
    var url = window.location.pathname.replace(/\/$/, "") + "/progress/?ids=" + ids.join(",");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { runs: [] }; })
      .then(function (data) {
        var finished = false;
        data.runs.forEach(function (run) {
          var row = document.querySelector('[data-report-run="' + run.id + '"]');
          if (!row) return;
          row.querySelector("progress").value = run.percent;
          row.querySelector(".report-run-text").textContent =
            run.status === "failed" ? run.status_display : run.status_display + " · " + run.percent + "%";
          row.title = run.message;
          if (run.status !== row.getAttribute("data-status")) {
            row.setAttribute("data-status", run.status);
            if (run.status === "done" || run.status === "failed") finished = true;
          }
        });
        if (finished) window.location.reload();
        else window.setTimeout(poll, INTERVAL_MS);
      })
      .catch(function () { window.setTimeout(poll, INTERVAL_MS * 3); });
  }

  document.addEventListener("DOMContentLoaded", function () { window.setTimeout(poll, INTERVAL_MS); });
})();
