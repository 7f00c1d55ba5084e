// Reading pack builder: reorder themes with buttons, and preview the first pages without reloading.
// Without JavaScript the order numbers and the Preview button do the same with a page reload.
(function () {
  "use strict";
  var form = document.getElementById("pack-form");
  if (!form) { return; }
  var list = document.getElementById("theme-list");
  var previews = document.getElementById("previews");

  function renumber() {
    var n = 1;
    list.querySelectorAll(".theme-entry").forEach(function (li) {
      li.querySelector(".order-input").value = String(n);
      n += 1;
    });
  }

  // Show the entries in the order their numbers give, then offer the move buttons.
  var entries = Array.prototype.slice.call(list.querySelectorAll(".theme-entry"));
  entries.sort(function (a, b) {
    var x = parseInt(a.querySelector(".order-input").value, 10) || 99;
    var y = parseInt(b.querySelector(".order-input").value, 10) || 99;
    return x - y;
  });
  entries.forEach(function (li) { list.appendChild(li); });
  renumber();
  list.querySelectorAll(".move").forEach(function (span) { span.hidden = false; });

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button.up, button.down");
    if (!button) { return; }
    var li = button.closest(".theme-entry");
    if (button.classList.contains("up") && li.previousElementSibling) {
      list.insertBefore(li, li.previousElementSibling);
    } else if (button.classList.contains("down") && li.nextElementSibling) {
      list.insertBefore(li.nextElementSibling, li);
    }
    renumber();
    button.focus();
  });

  function show(data) {
    previews.textContent = "";
    if (data.errors) {
      var box = document.createElement("div");
      box.className = "error-message";
      box.setAttribute("role", "alert");
      data.errors.forEach(function (message) {
        var p = document.createElement("p");
        p.textContent = message;
        box.appendChild(p);
      });
      previews.appendChild(box);
      return;
    }
    var info = document.createElement("p");
    info.className = "hint";
    info.textContent = (previews.dataset.pages || "%d pages").replace("%d", String(data.count));
    previews.appendChild(info);
    var thumbs = document.createElement("div");
    thumbs.className = "thumbs";
    data.pages.forEach(function (uri, i) {
      var img = document.createElement("img");
      img.src = uri;
      img.width = 260;
      img.alt = (previews.dataset.page || "Page %d").replace("%d", String(i + 1));
      thumbs.appendChild(img);
    });
    previews.appendChild(thumbs);
  }

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (!submitter || submitter.value !== "preview" || !window.fetch) { return; }
    event.preventDefault();
    var body = new FormData(form);
    body.set("action", "preview");
    previews.classList.add("loading");
    fetch(form.dataset.preview, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(show)
      .catch(function () { show({ errors: [previews.dataset.failed || "The preview could not be made."] }); })
      .then(function () { previews.classList.remove("loading"); });
  });
})();
