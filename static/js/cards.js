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

// Highlight picker: selecting words in the quotation fills the "start-end" field with their character
// positions (the server checks them against the printed text again).
(function () {
  "use strict";
  var source = document.querySelector("[data-highlight-text]");
  var field = document.getElementById("highlight");
  var phrase = document.getElementById("highlight_phrase");
  if (!source || !field) return;
  function offset(node, at) {
    var walker = document.createTreeWalker(source, NodeFilter.SHOW_TEXT);
    var count = 0, current;
    while ((current = walker.nextNode())) {
      if (current === node) return count + at;
      count += current.textContent.length;
    }
    return -1;
  }
  function pick() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    if (!source.contains(range.startContainer) || !source.contains(range.endContainer)) return;
    var text = source.textContent;
    var start = offset(range.startContainer, range.startOffset);
    var end = offset(range.endContainer, range.endOffset);
    if (start < 0 || end < 0) return;
    if (end < start) { var swap = start; start = end; end = swap; }
    // whole words only: widen a selection that starts or ends inside a word, drop outer spaces
    while (start > 0 && /[\p{L}\p{N}]/u.test(text.charAt(start - 1)) && /[\p{L}\p{N}]/u.test(text.charAt(start))) start--;
    while (end < text.length && /[\p{L}\p{N}]/u.test(text.charAt(end - 1)) && /[\p{L}\p{N}]/u.test(text.charAt(end))) end++;
    while (start < end && /\s/.test(text.charAt(start))) start++;
    while (end > start && /\s/.test(text.charAt(end - 1))) end--;
    if (end <= start) return;
    field.value = start + "-" + end;
    if (phrase) phrase.value = "";
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }
  source.addEventListener("mouseup", pick);
  source.addEventListener("keyup", pick);
  source.addEventListener("touchend", pick);
})();

// Live preview: the card of the chosen quotation follows the layout, palette, photo, phrase and mark fields.
(function () {
  "use strict";
  var image = document.querySelector("img[data-live-preview]");
  var form = image && image.closest("form");
  if (!form) return;
  var timer = null;
  function value(name) {
    var field = form.elements[name];
    if (!field) return "";
    if (field.type === "checkbox") return field.checked ? "1" : "";
    return field.value || "";
  }
  function update() {
    var params = new URLSearchParams({ format: image.getAttribute("data-format") });
    var names = { layout: "layout", palette: "palette", highlight: "highlight", highlight_phrase: "phrase",
                  mark: "mark", lang: "lang", drafts: "drafts" };
    Object.keys(names).forEach(function (name) {
      var v = value(name);
      if (v && !(name === "lang" && v === "en")) params.set(names[name], v);
    });
    if (!params.has("mark")) params.set("mark", "");
    if (value("layout") === "photo" && value("image")) params.set("image", value("image"));
    if (params.has("highlight")) params.delete("phrase");
    image.src = image.getAttribute("data-live-preview") + "?" + params.toString();
  }
  form.addEventListener("change", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 150);
  });
})();
