// Copy a card's alt text to the clipboard (loaded as a file: the pages' CSP forbids inline scripts).
(function () {
  "use strict";
  function select(field) {
    field.focus();
    field.select();
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var status = button.parentElement.querySelector(".copy-status");
    function say(message) { if (status) status.textContent = message; }
    var text = field.value !== undefined ? field.value : field.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        say(button.getAttribute("data-done"));
      }, function () {
        select(field);
        say(button.getAttribute("data-failed"));
      });
    } else {
      // Plain http on a local network: the clipboard API is unavailable, the old command still works.
      select(field);
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      say(button.getAttribute(copied ? "data-done" : "data-failed"));
    }
  });
})();
