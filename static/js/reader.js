// Reader: select words in one paragraph to start a quotation from them (pre-filled form; the server verifies).
(function () {
  "use strict";
  var article = document.querySelector(".reader");
  var popup = document.getElementById("quote-this");
  if (!article || !popup) { return; }
  var link = popup.querySelector("a");
  var base = link.getAttribute("href");

  function paragraphOf(node) {
    while (node && node !== article) {
      if (node.nodeType === 1 && node.classList.contains("para")) { return node; }
      node = node.parentNode;
    }
    return null;
  }

  document.addEventListener("selectionchange", function () {
    var sel = window.getSelection();
    var text = sel ? sel.toString().replace(/\s+/g, " ").trim() : "";
    var para = sel && sel.rangeCount ? paragraphOf(sel.anchorNode) : null;
    if (!text || !para || paragraphOf(sel.focusNode) !== para) { popup.hidden = true; return; }
    var params = new URLSearchParams({
      source: article.dataset.source, speaker: para.dataset.speaker, anchor: para.dataset.anchor, text: text
    });
    link.setAttribute("href", base + "?" + params.toString());
    var rect = sel.getRangeAt(0).getBoundingClientRect();
    popup.style.top = (window.scrollY + rect.bottom + 6) + "px";
    popup.style.left = (window.scrollX + rect.left) + "px";
    popup.hidden = false;
  });
})();
