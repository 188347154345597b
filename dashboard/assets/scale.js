// Scale the 1920x1080 wall canvas to the screen (e.g. 2x on a 3840x2160 wall), keeping its aspect.
(function () {
  function fit() {
    var s = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    document.body.style.transform = Math.abs(s - 1) < 0.01 ? "" : "scale(" + s + ")";
  }
  window.addEventListener("resize", fit);
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fit); } else { fit(); }
})();
