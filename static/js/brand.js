// The brand kit form: as a colour is typed, show the contrast the campaign colours palette would get
// (the same rule as campaign/palettes.py: white or near-black text, whichever stands out more on the first
// colour, needs 4.5:1; the second colour against the first needs 3:1). The server checks again on save.
(function () {
  "use strict";
  var form = document.querySelector("form[data-contrast]");
  if (!form) return;
  var primary = form.querySelector("input[name=primary]");
  var secondary = form.querySelector("input[name=secondary]");
  var out = form.querySelector("output.contrast");
  if (!primary || !secondary || !out) return;
  var DARK = "#1c1b19", LIGHT = "#ffffff";

  function colour(value) {
    var v = value.trim().toLowerCase();
    if (v && v.charAt(0) !== "#") v = "#" + v;
    return /^#[0-9a-f]{6}$/.test(v) ? v : null;
  }
  function luminance(c) {
    var rgb = [1, 3, 5].map(function (i) {
      var v = parseInt(c.substr(i, 2), 16) / 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  }
  function contrast(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }
  function show() {
    var p = colour(primary.value), s = colour(secondary.value);
    if (!p || !s) { out.textContent = ""; out.hidden = true; return; }
    var text = contrast(LIGHT, p) >= contrast(DARK, p) ? LIGHT : DARK;
    var r1 = contrast(text, p), r2 = contrast(s, p);
    var say = out.dataset;
    out.textContent = (r1 >= 4.5 ? say.textOk : say.textLow).replace("%(ratio)s", r1.toFixed(2)) + " " +
      (r2 >= 3 ? say.bandOk : say.bandLow).replace("%(ratio)s", r2.toFixed(2));
    out.classList.toggle("error", r1 < 4.5);
    out.hidden = false;
  }
  primary.addEventListener("input", show);
  secondary.addEventListener("input", show);
  show();
})();
