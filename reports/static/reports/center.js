// The report center's live progress: every two seconds, ask the server how the runs still queued
// or running are doing, and write it into their rows (bar, status, message); when one is done,
// show its size and download link in place. Without JavaScript the page shows the state as it was
// when loaded; a reload shows the rest.
(function () {
  "use strict";
  const INTERVAL_MS = 2000;
  const table = document.querySelector("table[data-progress-url]");
  if (!table) return;

  const waiting = () => table.querySelectorAll('tr[data-status="queued"], tr[data-status="running"]');

  // Only when the text changes: the status is an aria-live region, and rewriting the same words
  // would make some screen readers say them again every two seconds.
  function setText(element, text) {
    if (element && element.textContent !== text) element.textContent = text;
  }

  function downloadLink(run) {
    const link = document.createElement("a");
    link.href = run.download_url;
    link.setAttribute("download", "");
    link.textContent = run.download_label || table.dataset.downloadLabel;
    const which = document.createElement("span");
    which.className = "visually-hidden";
    which.textContent = " #" + run.id;
    link.append(which);
    return link;
  }

  function update(row, run) {
    const bar = row.querySelector("progress");
    bar.value = run.percent;
    setText(bar, run.percent + "%");
    setText(row.querySelector(".run-status"), run.status_text);
    const message = row.querySelector(".run-message");
    setText(message, run.message);
    message.hidden = !run.message;
    if (row.dataset.status !== run.status) {
      row.dataset.status = run.status;
      row.className = "run-" + run.status;
    }
    if (run.download_url && !row.querySelector(".run-download a")) {
      setText(row.querySelector(".run-size"), run.size_text);
      row.querySelector(".run-download").replaceChildren(downloadLink(run));
    }
  }

  async function poll() {
    const rows = waiting();
    if (!rows.length) return; // nothing left to follow
    const ids = Array.from(rows, (row) => row.dataset.reportRun);
    let delay = INTERVAL_MS;
    try {
      const response = await fetch(table.dataset.progressUrl + "?ids=" + ids.join(","), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      const answered = new Set(data.runs.map((run) => String(run.id)));
      for (const run of data.runs) {
        const row = table.querySelector('tr[data-report-run="' + run.id + '"]');
        if (row) update(row, run);
      }
      // A run deleted meanwhile (in the admin) is not asked about again.
      for (const row of rows) if (!answered.has(row.dataset.reportRun)) row.dataset.status = "gone";
    } catch (error) {
      delay = INTERVAL_MS * 3; // the server or the network is busy: ask less often
    }
    window.setTimeout(poll, delay);
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
