// Wall tables that have more rows than fit page themselves: nobody scrolls a wall.
//
// A table inside .paged-window (layouts/components.py `paged`) is split into pages of the rows that
// fit the window's height; one page shows at a time, for data-page-seconds of .wall (layouts/theme.py
// PAGE_SECONDS) each, so every row is on screen once per cycle of n pages. The panel title's
// .page-indicator reads 第 k/n 页 (hidden for a single page). The current page is kept per table
// body id in the browser, so a data refresh that replaces the rows keeps the page (clamped when the
// table shrank), and paging needs no server round trip. Rows are hidden with the `hidden` attribute,
// which React does not manage, so a refresh that reuses row elements does not fight this script.
(function () {
  "use strict";
  var current = {};  // table body id -> page index
  var lastTurn = 0;
  var queued = false;

  function seconds() {
    var wall = document.querySelector(".wall");
    var s = wall ? parseFloat(wall.dataset.pageSeconds) : NaN;
    return s > 0 ? s : 8;
  }

  function pagesOf(win, table, rows) {
    win.style.height = "";  // measure the room the panel gets with every row shown
    rows.forEach(function (r) { r.hidden = false; });
    // Fractional heights (offsetHeight rounds each row up, which would lose the last row).
    var head = table.tHead ? table.tHead.getBoundingClientRect().height : 0;
    var room = win.getBoundingClientRect().height - head;
    var pages = [], page = [], used = 0;
    rows.forEach(function (r) {
      var h = r.getBoundingClientRect().height;
      if (page.length && used + h > room + 1) { pages.push(page); page = []; used = 0; }
      page.push(r);
      used += h;
    });
    if (page.length) { pages.push(page); }
    return pages;
  }

  function layoutOne(win, turn) {
    var table = win.querySelector("table");
    var body = table && table.tBodies[0];
    if (!body) { return; }
    var key = body.id || win.dataset.key || "";
    var rows = Array.prototype.slice.call(body.rows);
    var pages = pagesOf(win, table, rows);
    var n = Math.max(pages.length, 1);
    var k = (current[key] || 0) + (turn ? 1 : 0);
    k = k % n;
    current[key] = k;
    // While paging, the window keeps the height it was measured at, so turning to a shorter last page
    // does not resize the panels (and the charts) around it.
    win.style.height = n > 1 ? window.getComputedStyle(win).height : "";  // layout px, unscaled at 4K
    pages.forEach(function (page, i) { page.forEach(function (r) { r.hidden = i !== k; }); });
    win.dataset.page = String(k + 1);
    win.dataset.pages = String(n);
    var panel = win.closest(".panel");
    var mark = panel && panel.querySelector(".page-indicator");
    if (mark) {
      var wall = document.querySelector(".wall");
      var fmt = (wall && wall.dataset.pageOf) || "{k}/{n}";
      var label = n > 1 ? fmt.replace("{k}", k + 1).replace("{n}", n) : "";
      if (mark.textContent !== label) { mark.textContent = label; }
      mark.hidden = n <= 1;
    }
  }

  function layoutAll(turn) {
    queued = false;
    // Rows measured in a fallback font (the bundled one still loading) would split pages wrongly:
    // everything stays shown until the fonts are in (fonts.ready lays out again).
    if (document.fonts && document.fonts.status !== "loaded") { return; }
    Array.prototype.forEach.call(document.querySelectorAll(".paged-window"), function (w) { layoutOne(w, turn); });
  }

  function soon() {
    if (!queued) { queued = true; window.requestAnimationFrame(function () { layoutAll(false); }); }
  }

  function tick() {
    var now = Date.now();
    if (now - lastTurn >= seconds() * 1000 - 50) { lastTurn = now; layoutAll(true); }
  }

  function start() {
    // Rows replaced by a refresh, a page navigation, a resize or the font arriving: lay out again.
    // The clock ticking and Plotly redrawing do not move table rows: they are not worth a layout pass.
    function relevant(rec) {
      var el = rec.target.nodeType === 1 ? rec.target : rec.target.parentElement;
      return !(el && el.closest && el.closest("#wall-clock, .js-plotly-plot, .page-indicator"));
    }
    new MutationObserver(function (records) { if (records.some(relevant)) { soon(); } })
      .observe(document.body, {childList: true, subtree: true, characterData: true});
    window.addEventListener("resize", soon);
    if (document.fonts && document.fonts.ready) { document.fonts.ready.then(soon); }
    lastTurn = Date.now();
    setInterval(tick, 250);
    soon();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
