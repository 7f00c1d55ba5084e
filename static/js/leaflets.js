// Leaflet builder enhancements: a live preview that follows the form, and an instant filter of the
// quotation list. Without this script the form still previews, downloads and saves by posting.
(function () {
  "use strict";
  var form = document.getElementById("leaflet-form");
  if (!form || !window.fetch || !window.URLSearchParams) { return; }
  var endpoint = form.getAttribute("data-preview");
  var preview = document.getElementById("preview");
  var pages = document.getElementById("preview-pages");
  var status = document.getElementById("preview-status");
  var pdfLink = document.getElementById("preview-pdf");
  var SKIP = { csrf_token: 1, action: 1, overwrite: 1, q: 1 };
  function msg(name) { return preview.getAttribute("data-msg-" + name) || ""; }
  var timer = null;
  var latest = 0;
  var lastQuery = null;

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (!SKIP[key]) { params.append(key, value); }
    });
    params.append("w", String(pages.clientWidth > 450 ? 900 : 600));
    return params.toString();
  }

  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".error.live"), function (el) { el.remove(); });
  }

  function showErrors(errors) {
    clearErrors();
    Object.keys(errors || {}).forEach(function (name) {
      var anchor = name === "quotes" ? form.querySelector(".quote-picks") : form.querySelector("[name='" + name + "']");
      if (!anchor) { return; }
      errors[name].forEach(function (message) {
        var p = document.createElement("p");
        p.className = "error live";
        p.setAttribute("data-field", name);
        p.textContent = message;
        anchor.parentNode.insertBefore(p, anchor.nextSibling);
      });
    });
  }

  function showPages(urls, ticket) {
    var images = urls.map(function (src, i) {
      var img = new Image();
      img.alt = msg("page").replace("{n}", String(i + 1));
      img.src = src;
      return img;
    });
    var left = images.length;
    function done() {
      left -= 1;
      if (left <= 0 && ticket === latest) {
        pages.replaceChildren.apply(pages, images);
        preview.classList.remove("busy");
      }
    }
    images.forEach(function (img) { img.onload = done; img.onerror = done; });
  }

  function refresh() {
    var q = query();
    if (q === lastQuery) { return; }
    lastQuery = q;
    if (!form.querySelector("input[name='quotes']:checked")) {
      status.textContent = msg("choose");
      return;
    }
    var ticket = ++latest;
    preview.classList.add("busy");
    status.classList.remove("error");
    status.textContent = msg("updating");
    fetch(endpoint + "?" + q, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (ticket !== latest) { return; }
        if (!result.ok) {
          preview.classList.remove("busy");
          status.classList.add("error");
          status.textContent = result.body.error || msg("invalid");
          showErrors(result.body.errors);
          return;
        }
        clearErrors();
        status.textContent = msg("ready");
        pdfLink.href = result.body.pdf;
        pdfLink.hidden = false;
        showPages(result.body.pages, ticket);
      })
      .catch(function () {
        if (ticket !== latest) { return; }
        preview.classList.remove("busy");
        status.classList.add("error");
        status.textContent = msg("failed");
        lastQuery = null;
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 500);
  }

  form.addEventListener("input", function (event) {
    if (event.target.name === "q") { filterQuotes(event.target.value); return; }
    if (!SKIP[event.target.name]) { schedule(); }
  });
  form.addEventListener("change", function (event) {
    if (!SKIP[event.target.name]) { schedule(); }
  });

  // Search filters the list in place (chosen quotations always stay visible).
  var search = document.getElementById("q");
  function filterQuotes(text) {
    var words = text.toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(form.querySelectorAll(".quote-picks li[data-search]"), function (li) {
      var hay = li.getAttribute("data-search");
      var checked = li.querySelector("input:checked");
      li.hidden = !checked && !words.every(function (w) { return hay.indexOf(w) !== -1; });
    });
  }
  if (search) {
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); filterQuotes(search.value); }
    });
  }

  if (form.querySelector("input[name='quotes']:checked") && !pages.querySelector("img")) { refresh(); }
})();
