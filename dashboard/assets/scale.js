// Scale the 1920x1080 wall canvas to the screen (e.g. 2x on a 3840x2160 wall), keeping its aspect.
// The transform goes on Dash's root element, not on <body>: Plotly measures text in a helper node
// appended to <body>, and a scaled body doubles those measurements at 4K, which sends its automatic
// margins into a loop (axis titles at x=Infinity).
(function () {
  function fit() {
    var root = document.getElementById("react-entry-point");
    if (!root) { return; }
    var s = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    root.style.transform = Math.abs(s - 1) < 0.01 ? "" : "scale(" + s + ")";
  }
  window.addEventListener("resize", fit);
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fit); } else { fit(); }
  // Charts drawn before the bundled font arrived were measured in a fallback font: once it is
  // loaded, a resize makes every responsive graph lay itself out again (margins, ticks, titles).
  if (document.fonts && document.fonts.ready) {
    document.fonts.ready.then(function () { window.dispatchEvent(new Event("resize")); });
  }
})();
