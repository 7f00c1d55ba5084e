// A build's page: ask for its status every second and show the progress, then the download link.
// Without this script the page refreshes itself (meta refresh) and shows the same.
(function () {
  "use strict";
  var section = document.getElementById("build");
  if (!section || !window.fetch) return;
  var url = section.getAttribute("data-status");
  function update(data) {
    var text = section.querySelector(".build-progress");
    var bar = section.querySelector("progress");
    var step = section.querySelector(".build-step");
    if (text) text.textContent = data.progress;
    if (step) step.textContent = data.step;
    if (bar) { bar.max = data.total || 1; bar.value = data.done; bar.textContent = data.progress; }
    if (data.state === "done" || data.state === "failed") {
      window.location.reload();  // the finished page: the download, or what failed
      return false;
    }
    return true;
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (!data || update(data)) window.setTimeout(poll, 1000); })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
