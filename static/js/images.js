// The face-blurring tool of the photo upload form: the chosen file is shown here, in the browser only
// (nothing is sent until the form is), and rectangles dragged over it are written into the "Areas to blur"
// field as x,y,width,height in percent. Without this script the field is typed by hand.
(function () {
  "use strict";
  var form = document.querySelector("form[data-blur-tool]");
  if (!form || !window.URL || !URL.createObjectURL) return;
  var file = form.querySelector("input[type=file]");
  var field = form.querySelector("textarea[name=blur]");
  var tool = form.querySelector(".blur-tool");
  var stage = tool.querySelector(".blur-stage");
  var img = null, url = null, start = null, drawing = null, rects = [];

  function clamp(v) { return Math.min(100, Math.max(0, v)); }
  function round(v) { return Math.round(v * 10) / 10; }

  function read() {
    rects = field.value.split(/[;\n]/).map(function (s) { return s.trim(); }).filter(Boolean)
      .map(function (s) { return s.split(",").map(Number); })
      .filter(function (r) { return r.length === 4 && r.every(isFinite); });
  }

  function write() {
    field.value = rects.map(function (r) { return r.map(round).join(","); }).join("\n");
  }

  function show() {
    stage.querySelectorAll(".blur-rect").forEach(function (el) { el.remove(); });
    rects.concat(drawing ? [drawing] : []).forEach(function (r) {
      var box = document.createElement("div");
      box.className = "blur-rect";
      box.style.left = r[0] + "%";
      box.style.top = r[1] + "%";
      box.style.width = r[2] + "%";
      box.style.height = r[3] + "%";
      stage.appendChild(box);
    });
  }

  function at(event) {
    var b = img.getBoundingClientRect();
    return [clamp((event.clientX - b.left) / b.width * 100), clamp((event.clientY - b.top) / b.height * 100)];
  }

  file.addEventListener("change", function () {
    if (url) URL.revokeObjectURL(url);
    stage.textContent = "";
    img = null; url = null; rects = []; write();
    var chosen = file.files && file.files[0];
    if (!chosen || !/^image\/(png|jpeg)$/.test(chosen.type)) { tool.hidden = true; return; }
    url = URL.createObjectURL(chosen);
    img = document.createElement("img");
    img.alt = "";
    img.draggable = false;
    img.addEventListener("load", function () { tool.hidden = false; show(); });
    img.addEventListener("error", function () { tool.hidden = true; });
    img.src = url;
    stage.appendChild(img);
  });

  stage.addEventListener("pointerdown", function (event) {
    if (!img) return;
    event.preventDefault();
    stage.setPointerCapture(event.pointerId);
    start = at(event);
    drawing = [start[0], start[1], 0, 0];
  });
  stage.addEventListener("pointermove", function (event) {
    if (!start) return;
    var p = at(event);
    drawing = [Math.min(start[0], p[0]), Math.min(start[1], p[1]), Math.abs(p[0] - start[0]), Math.abs(p[1] - start[1])];
    show();
  });
  function finish(event) {
    read();
    if (drawing && drawing[2] >= 1 && drawing[3] >= 1) {
      rects.push(drawing);
    } else if (start) {  // a tap, not a drag: remove the rectangle under it (the newest first)
      var p = at(event);
      for (var i = rects.length - 1; i >= 0; i--) {
        var r = rects[i];
        if (p[0] >= r[0] && p[0] <= r[0] + r[2] && p[1] >= r[1] && p[1] <= r[1] + r[3]) { rects.splice(i, 1); break; }
      }
    }
    write();
    start = null; drawing = null;
    show();
  }
  stage.addEventListener("pointerup", finish);
  stage.addEventListener("pointercancel", function () { start = null; drawing = null; show(); });
  field.addEventListener("input", function () { read(); show(); });
  tool.querySelector(".blur-clear").addEventListener("click", function () { rects = []; write(); show(); });
})();
