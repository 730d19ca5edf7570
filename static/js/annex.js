// Progress of an annex export: poll the job's status, show it, download when ready.
// The page works without this script too (a reload shows the same status).

const POLL_MS = 1000;

function start() {
  const root = document.getElementById("annex-job");
  if (!root) return;
  const progress = document.getElementById("annex-progress");
  const percent = document.getElementById("annex-percent");
  const status = document.getElementById("annex-status");
  const download = document.getElementById("annex-download");
  const link = document.getElementById("annex-download-link");
  const refresh = document.getElementById("annex-refresh");
  const again = document.getElementById("annex-again");
  const strings = document.getElementById("annex-strings").dataset;
  const url = root.dataset.statusUrl;
  let lastText = "";

  refresh.hidden = true; // this script keeps the page up to date

  function say(text) {
    // only a changed sentence, so a screen reader is not flooded
    if (text !== lastText) {
      status.textContent = text;
      lastText = text;
    }
  }

  function show(data) {
    progress.value = data.progress;
    progress.textContent = `${data.progress}%`;
    percent.textContent = `${data.progress}%`;
    root.dataset.state = data.state;
    if (data.state === "done") {
      say(strings.done);
      link.href = data.download_url;
      link.textContent = strings.download.replace("{name}", data.filename);
      download.hidden = false;
      again.hidden = false;
      if (!root.dataset.fetched) {
        root.dataset.fetched = "1";
        window.location.assign(data.download_url);
      }
      return true;
    }
    if (data.state === "failed") {
      say(`${strings.failed} ${data.message}`);
      again.hidden = false;
      return true;
    }
    say(`${data.stage_text}…`);
    return false;
  }

  async function poll() {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      if (show(await response.json())) return;
    } catch {
      say(strings.lost);
    }
    window.setTimeout(poll, POLL_MS);
  }

  if (root.dataset.state === "done") {
    return; // already finished when the page loaded: the link is there, no automatic download
  }
  if (root.dataset.state !== "failed") poll();
}

start();
