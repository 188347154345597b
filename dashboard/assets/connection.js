// A wall that loses its server, session or token says so and recovers by itself.
//
// Every Dash callback goes through window.fetch; this wraps it. A callback that cannot reach the
// server, or that the server refuses (401/403: session or token; 400: a session re-opened from the
// wall's token with a stale CSRF cookie; 502-504), is answered "no update" (HTTP 204) to Dash, so
// the page keeps what it shows, and the wall pings /_wall/ping. If that fails too, the dark overlay
// #wall-lost (built by dashboard/app.py with its wording) covers the canvas with the reason and the
// time of the last good data, and the ping is retried with back-off (1, 2, 4, then every 5 s).
// While the overlay is up no callback reaches the network (they are held back, answered 204), so a
// stopped server costs one failed request per retry, not one per interval. The first good ping lifts
// the overlay; the page's own intervals then refresh the data. A logged-in user whose session ended
// goes to the login page instead (a wall has nobody to log in, and re-opens its session from its
// token on the ping). A 500 from one callback is its bug, not a lost connection: passed to Dash as is.
// A refresh that comes back after the wall moved to another page is dropped the same way.
(function () {
  "use strict";
  var CALLBACK = "/_dash-update-component";
  var MAX_DELAY = 5000;
  var realFetch = window.fetch.bind(window);
  var lost = false;  // overlay up: callbacks held back
  var checking = false;  // a ping in flight or scheduled
  var attempts = 0;
  var lastOk = null;

  function box() { return document.getElementById("wall-lost"); }
  function text(key) { var b = box(); return (b && b.dataset[key]) || ""; }
  function fill(t, values) { return t.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; }); }
  function set(id, value) { var el = document.getElementById(id); if (el) { el.textContent = value; } }

  function clock(d) {
    try {
      return d.toLocaleString("zh-CN", {hour12: false, timeZone: text("timezone") || undefined});
    } catch (e) { return d.toLocaleString("zh-CN", {hour12: false}); }
  }

  function good() {
    lastOk = new Date();
    try { window.localStorage.setItem(text("lastKey") || "govops.wall.lastOk", lastOk.toISOString()); } catch (e) { /* private mode */ }
  }

  function show(reason) {
    var b = box();
    if (!b) { return; }
    set("wall-lost-reason", reason);
    set("wall-lost-last", lastOk ? fill(text("last"), {t: clock(lastOk)}) : text("lastNone"));
    if (!lost) { set("wall-lost-retry", text("retrying")); }
    lost = true;
    b.hidden = false;
  }

  function hide() {
    lost = false;
    attempts = 0;
    var b = box();
    if (b) { b.hidden = true; }
  }

  function reasonOf(status, body) {
    if (status >= 500) { return fill(text("server"), {status: status}); }
    return fill(text("http"), {status: status, text: (body || "").slice(0, 120)});
  }

  function schedule() {
    var delay = Math.min(1000 * Math.pow(2, Math.max(attempts - 1, 0)), MAX_DELAY);
    set("wall-lost-retry", fill(text("retry"), {n: attempts, s: Math.round(delay / 1000)}));
    setTimeout(ping, delay);
  }

  // One health check; on failure the overlay goes (or stays) up and the next check is scheduled.
  function ping() {
    checking = true;
    attempts += 1;
    realFetch(text("ping") || "/_wall/ping", {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      if (r.ok) { checking = false; good(); hide(); return; }
      if (r.status === 401 && !text("kiosk")) {  // a person's session ended: the login page, then back here
        window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname + window.location.search));
        return;
      }
      return r.text().then(function (body) { show(reasonOf(r.status, body)); schedule(); });
    }, function () { show(text("network")); schedule(); });
  }

  function trouble() {
    if (!checking) { ping(); }
  }

  function noUpdate() { return new Response(null, {status: 204, statusText: "No Content"}); }

  function isCallback(input) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    return url.indexOf(CALLBACK) !== -1;
  }

  function isRouting(init) {
    var body = init && typeof init.body === "string" ? init.body : "";
    return body.indexOf("_pages_content") !== -1;
  }

  window.fetch = function (input, init) {
    if (!isCallback(input)) { return realFetch(input, init); }
    if (lost || checking) { return Promise.resolve(noUpdate()); }  // held back until the ping succeeds
    var path = window.location.pathname;
    return realFetch(input, init).then(function (r) {
      if (r.ok) {
        good();
        // A page's refresh answered after the wall moved to another page (rotation, a click) is moot,
        // and applying it would patch components that are gone ("Cannot patch undefined").
        if (window.location.pathname !== path && !isRouting(init)) { return noUpdate(); }
        return r;
      }
      var refused = r.status === 400 || r.status === 401 || r.status === 403;
      if (!refused && r.status !== 502 && r.status !== 503 && r.status !== 504) { return r; }
      trouble();
      return noUpdate();
    }, function () { trouble(); return noUpdate(); });
  };
})();
