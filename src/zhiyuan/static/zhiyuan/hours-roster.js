/* A slot's roster keeps working offline. The page registers the rosters' service worker
   (/hours/sw.js), which keeps a copy of the roster and its static files; each click on "Check in"
   or "Check out" becomes a check with an idempotency key made here, at the click, and the time of
   the click, handed to the worker, which keeps it and sends it to the API when it can (see
   hours-sw.js). The page shows the checks still waiting on their rows, turns each row's button as
   if they had been recorded, and says when it is offline, when it shows a saved copy, and what
   the server refused. Once everything is sent and the network is there it loads itself again,
   so that what it shows is the server's. Without service workers the forms post as before. */
(function () {
  "use strict";
  var box = document.getElementById("roster-sync");
  if (!box || !("serviceWorker" in navigator) || !window.indexedDB) { return; }
  var slot = parseInt(box.getAttribute("data-slot"), 10);
  var over = box.getAttribute("data-over") === "1";
  var savedCopy = document.documentElement.getAttribute("data-saved-copy");
  var csrfInput = document.querySelector("form.roster-check input[name=csrfmiddlewaretoken]");
  var csrf = csrfInput ? csrfInput.value : "";
  var worker = null;
  var state = { items: [], problem: "" };
  var waited = false;  // this page has shown checks waiting: it loads itself once they are sent
  var reloading = false;

  function t(name) { return box.getAttribute("data-t-" + name) || ""; }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (match, key) { return values[key]; });
  }

  // The phone's clock may be wrong; the server's time when the page was made corrects it (a
  // saved copy uses the correction measured when it was fresh).
  var OFFSET_KEY = "zhiyuan.roster.clock-offset";
  var offset = 0;
  if (savedCopy) {
    offset = parseInt(window.localStorage.getItem(OFFSET_KEY) || "0", 10) || 0;
  } else {
    offset = parseInt(box.getAttribute("data-now"), 10) * 1000 - Date.now();
    if (isNaN(offset) || Math.abs(offset) < 2000) { offset = 0; }
    try { window.localStorage.setItem(OFFSET_KEY, String(offset)); } catch (e) { /* private mode */ }
  }
  function now() { return new Date(Date.now() + offset); }

  var clock = new Intl.DateTimeFormat(document.documentElement.lang === "en" ? "en-GB" : "zh-CN", {
    hour: "2-digit", minute: "2-digit", hour12: false, timeZone: box.getAttribute("data-time-zone") || undefined
  });
  function hhmm(iso) { return clock.format(new Date(iso)); }

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // --- showing the state ---------------------------------------------------------------------

  function mine() {
    return state.items.filter(function (item) { return item.slot === slot; });
  }

  function renderRow(row, items) {
    var id = parseInt(row.getAttribute("data-volunteer"), 10);
    var own = items.filter(function (item) { return item.volunteer === id; });
    var queued = own.filter(function (item) { return item.state === "queued"; });
    var note = row.querySelector(".queued-note");
    note.textContent = "";
    own.forEach(function (item) {
      var line = document.createElement("div");
      if (item.state === "queued") {
        line.className = "badge queued";
        line.textContent = fill(t(item.direction === "out" ? "queued-out" : "queued-in"), { time: hhmm(item.at) });
      } else {
        line.className = "badge hours-rejected";
        line.textContent = fill(t("refused"), { message: item.message });
      }
      note.appendChild(line);
    });
    note.hidden = own.length === 0;
    var checkedIn = row.getAttribute("data-checked-in") === "1";
    if (queued.length) { checkedIn = queued[queued.length - 1].direction === "in"; }
    var button = row.querySelector("form.roster-check button[name=direction]");
    if (!button) { return; }
    button.value = checkedIn ? "out" : "in";
    button.textContent = checkedIn ? t("out") : t("in");
    button.classList.toggle("secondary", checkedIn);
    button.hidden = !checkedIn && over;
  }

  function render() {
    var items = mine();
    var queued = items.filter(function (item) { return item.state === "queued"; }).length;
    if (queued) { waited = true; }
    var refused = items.some(function (item) { return item.state === "refused"; });
    Array.prototype.forEach.call(document.querySelectorAll("tr[data-volunteer]"), function (row) {
      renderRow(row, items);
    });
    var offline = !navigator.onLine || state.problem === "offline";
    var lines = [];
    if (savedCopy) { lines.push(fill(t("saved"), { time: hhmm(savedCopy) })); }
    if (offline) { lines.push(t("offline")); }
    if (queued) { lines.push(fill(t("waiting"), { count: queued })); }
    if (state.problem === "login") { lines.push(t("login")); }
    if (state.problem === "stale") { lines.push(t("stale")); }
    if (state.problem === "server") { lines.push(t("server")); }
    var list = box.querySelector(".roster-sync-refused");
    list.textContent = "";
    items.filter(function (item) { return item.state === "refused"; }).forEach(function (item) {
      var entry = document.createElement("li");
      entry.textContent = fill(t(item.direction === "out" ? "refused-out" : "refused-in"), {
        name: item.name, time: hhmm(item.at), message: item.message
      });
      list.appendChild(entry);
    });
    list.hidden = !refused;
    if (refused) { lines.push(t("refused-help")); }
    box.querySelector(".roster-sync-state").textContent = lines.join(" ");
    box.querySelector(".roster-sync-login").hidden = state.problem !== "login";
    box.querySelector(".roster-sync-dismiss").hidden = !refused;
    box.hidden = lines.length === 0;
    box.classList.toggle("offline", offline || Boolean(savedCopy));
    box.classList.toggle("refused", refused);
    document.documentElement.classList.toggle("roster-offline", offline);
    maybeReload(queued);
  }

  // What the page shows comes from the server once nothing waits and the network is back.
  function maybeReload(queued) {
    if (reloading || queued || !navigator.onLine || state.problem) { return; }
    if (waited || savedCopy) {
      reloading = true;
      window.location.reload();
    }
  }

  function reloadedLately() {
    var key = "zhiyuan.roster.token-reload";
    var last = parseInt(window.sessionStorage.getItem(key) || "0", 10);
    if (Date.now() - last < 60000) { return true; }
    window.sessionStorage.setItem(key, String(Date.now()));
    return false;
  }

  // --- talking to the worker -----------------------------------------------------------------

  function tell(message) {
    if (worker) { worker.postMessage(message); }
  }

  function syncNow() {
    tell({ type: "sync", csrf: csrf, offline: t("offline-page") });
  }

  navigator.serviceWorker.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type !== "state") { return; }
    state = { items: data.items || [], problem: data.problem || "" };
    if (state.problem === "stale" && navigator.onLine && !reloading && !reloadedLately()) {
      // The form's token no longer matches the session's: a fresh page brings a new one.
      reloading = true;
      window.location.reload();
      return;
    }
    render();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!worker || !form.matches("form.roster-check")) {
      if (worker && form.matches("form[action$='/logout/']")) { tell({ type: "forget" }); }
      return;
    }
    event.preventDefault();
    var row = form.closest("tr");
    var button = event.submitter || form.querySelector("button[name=direction]");
    var check = {
      key: newKey(),
      slot: slot,
      volunteer: parseInt(row.getAttribute("data-volunteer"), 10),
      direction: button && button.value === "out" ? "out" : "in",
      at: now().toISOString(),
      name: row.getAttribute("data-name"),
      csrf: csrf
    };
    state.items.push({
      key: check.key, slot: check.slot, volunteer: check.volunteer, direction: check.direction,
      at: check.at, name: check.name, queued: Date.now(), state: "queued", message: ""
    });
    render();
    tell({ type: "queue", check: check });
  });

  box.querySelector(".roster-sync-dismiss").addEventListener("click", function () {
    tell({ type: "dismiss" });
  });
  window.addEventListener("online", function () { render(); syncNow(); });
  window.addEventListener("offline", render);
  window.setInterval(function () {
    if (mine().some(function (item) { return item.state === "queued"; })) { syncNow(); }
  }, 20000);

  navigator.serviceWorker.register(box.getAttribute("data-worker"), { scope: box.getAttribute("data-scope") })
    .then(function () { return navigator.serviceWorker.ready; })
    .then(function (registration) {
      worker = navigator.serviceWorker.controller || registration.active;
      if (!navigator.serviceWorker.controller) {
        // Not yet controlled (the first visit): the worker fetches the page and its files itself.
        var urls = [window.location.href];
        Array.prototype.forEach.call(document.querySelectorAll("link[rel=stylesheet][href], script[src], link[rel=icon][href]"), function (el) {
          urls.push(el.href || el.src);
        });
        tell({ type: "keep", urls: urls });
      }
      box.setAttribute("data-ready", "1");
      syncNow();
      render();
    })
    .catch(function () { worker = null; });
}());
