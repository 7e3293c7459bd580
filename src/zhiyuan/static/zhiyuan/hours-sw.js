/* The rosters' service worker (served as /hours/sw.js, scope /hours/): a team leader at the
   venue keeps checking volunteers in and out when the network drops.

   - Pages: a slot's roster (/hours/slots/<id>/) is fetched from the network first and a copy kept
     (at most ROSTER_PAGES, for PAGE_HOURS); offline the copy is shown, marked as a saved copy.
     Static files the pages use are kept too (served from the copy, refreshed behind it). When the
     network answers a roster with the log-in page, the session is over: the copies are deleted.
   - Checks: the roster page hands each check-in and check-out to this worker with an idempotency
     key made on the phone at the click and the time of the click; the worker keeps them in
     IndexedDB, in order, and sends them to the API (POST /api/v1/check-ins/) as soon as it can:
     at once, when the page says the network is back, on Background Sync where the browser has
     it, and when a page opens. A check is deleted once the server answered it (201 new, 200
     already there: the same key never counts twice, so a check whose answer was lost is simply
     sent again); one the server refuses (400/403/404) is kept as refused, with the server's
     message, until the leader has seen it. Without network, a 5xx, an expired log-in (401) or a
     stale CSRF token the queue waits.
   - Every open roster page is told the queue's state after each change. */
"use strict";

var PARAMS = new URL(self.location.href).searchParams;
var API = PARAMS.get("api") || "/api/v1/check-ins/";
var STATIC = PARAMS.get("static") || "/static/";
var VERSION = "1";
var PAGES = "zhiyuan-rosters-v" + VERSION;
var ASSETS = "zhiyuan-assets-v" + VERSION;
var ROSTER = /\/hours\/slots\/\d+\/$/;
var ROSTER_PAGES = 20;
var PAGE_HOURS = 12;
var DB_NAME = "zhiyuan-roster";
var SYNC_TAG = "zhiyuan-checks";

// --- IndexedDB: "checks" (keyed by the idempotency key) and "meta" (the latest CSRF token) ----

function openDb() {
  return new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      request.result.createObjectStore("checks", { keyPath: "key" });
      request.result.createObjectStore("meta", { keyPath: "name" });
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
}

function withStore(name, mode, work) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      var tx = db.transaction(name, mode);
      var result = work(tx.objectStore(name));
      tx.oncomplete = function () {
        db.close();
        resolve(result instanceof IDBRequest ? result.result : undefined);
      };
      tx.onerror = function () { db.close(); reject(tx.error); };
      tx.onabort = function () { db.close(); reject(tx.error); };
    });
  });
}

function allChecks() {
  return withStore("checks", "readonly", function (store) { return store.getAll(); })
    .then(function (items) {
      return items.sort(function (a, b) { return a.queued - b.queued || (a.key < b.key ? -1 : 1); });
    });
}

function putCheck(item) {
  return withStore("checks", "readwrite", function (store) { store.put(item); });
}

function deleteCheck(key) {
  return withStore("checks", "readwrite", function (store) { store.delete(key); });
}

function getMeta(name) {
  return withStore("meta", "readonly", function (store) { return store.get(name); })
    .then(function (row) { return row ? row.value : null; });
}

function setMeta(name, value) {
  return withStore("meta", "readwrite", function (store) { store.put({ name: name, value: value }); });
}

// --- telling the pages -------------------------------------------------------------------------

var problem = "";  // "", "offline", "login", "stale" or "server": why the queue waits

function broadcast() {
  return allChecks().then(function (items) {
    return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (clients) {
      clients.forEach(function (client) {
        client.postMessage({ type: "state", items: items, problem: problem });
      });
    });
  });
}

// --- sending the queue -------------------------------------------------------------------------

function messagesOf(body) {
  var found = [];
  (function walk(value) {
    if (typeof value === "string") { found.push(value); }
    else if (Array.isArray(value)) { value.forEach(walk); }
    else if (value && typeof value === "object") { Object.keys(value).forEach(function (k) { walk(value[k]); }); }
  }(body));
  return found.join(" ");
}

function send(item, csrf) {
  return fetch(API, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf || item.csrf || "" },
    body: JSON.stringify({
      slot: item.slot,
      volunteer: item.volunteer,
      direction: item.direction,
      idempotency_key: item.key,
      at: item.at
    })
  });
}

// One run at a time; a request to sync during a run makes the run go round once more.
var running = null;
var again = false;

function sync() {
  if (running) { again = true; return running; }
  running = syncOnce().then(function () {
    running = null;
    if (again) { again = false; return sync(); }
  }, function () { running = null; });
  return running;
}

function syncOnce() {
  return Promise.all([allChecks(), getMeta("csrf")]).then(function (found) {
    var waiting = found[0].filter(function (item) { return item.state === "queued"; });
    var csrf = found[1];
    problem = "";
    function next(index) {
      if (index >= waiting.length) { return broadcast(); }
      var item = waiting[index];
      return send(item, csrf).then(function (response) {
        if (response.status === 200 || response.status === 201) {
          return deleteCheck(item.key).then(function () { return next(index + 1); });
        }
        return response.json().catch(function () { return {}; }).then(function (body) {
          var text = messagesOf(body);
          if (response.status === 401) { problem = "login"; return broadcast(); }
          if (response.status === 403 && /CSRF/i.test(text)) { problem = "stale"; return broadcast(); }
          if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
            item.state = "refused";
            item.message = text;
            return putCheck(item).then(function () { return next(index + 1); });
          }
          problem = "server";
          return broadcast();
        });
      }, function () {
        problem = "offline";
        return broadcast();
      });
    }
    return next(0);
  });
}

// --- pages and static files --------------------------------------------------------------------

function isRoster(url) {
  return url.origin === self.location.origin && ROSTER.test(url.pathname);
}

function plainHeaders(source) {
  // The body is held decoded and may be changed: its former length and encoding no longer hold.
  var headers = new Headers(source);
  headers.delete("Content-Length");
  headers.delete("Content-Encoding");
  return headers;
}

function savedCopy(response) {
  // Keep the time the copy was taken: the page says how old the roster it shows is.
  return response.text().then(function (text) {
    var headers = plainHeaders(response.headers);
    headers.set("X-Saved-At", new Date().toISOString());
    return new Response(text, { status: 200, headers: headers });
  });
}

function keepPage(request, response) {
  return savedCopy(response).then(function (copy) {
    return caches.open(PAGES).then(function (cache) {
      return cache.put(new URL(request.url).pathname, copy).then(function () { return trim(cache); });
    });
  });
}

function trim(cache) {
  return cache.keys().then(function (keys) {
    var extra = keys.length - ROSTER_PAGES;
    return Promise.all(keys.slice(0, Math.max(0, extra)).map(function (key) { return cache.delete(key); }));
  });
}

function forgetPages() {
  return caches.delete(PAGES);
}

function offlineCopy(request) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(new URL(request.url).pathname);
  }).then(function (copy) {
    if (!copy) { return null; }
    var saved = Date.parse(copy.headers.get("X-Saved-At") || "");
    if (!saved || Date.now() - saved > PAGE_HOURS * 3600 * 1000) { return null; }
    return copy.text().then(function (text) {
      // Mark the page as a saved copy: its script says so and hides old messages.
      var marked = text.replace("<html", "<html data-saved-copy=\"" + new Date(saved).toISOString() + "\"");
      return new Response(marked, { status: 200, headers: plainHeaders(copy.headers) });
    });
  });
}

function offlinePage() {
  return getMeta("offline").then(function (words) {
    var text = words || "离线：无法打开此页面。Offline: this page cannot be opened.";
    var body = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
      escapeHtml(text) + "</title></head><body><p>" + escapeHtml(text) + "</p></body></html>";
    return new Response(body, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"]/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c];
  });
}

function rosterPage(request) {
  return fetch(request).then(function (response) {
    var landed = new URL(response.url || request.url);
    if (response.ok && isRoster(landed)) {
      return keepPage(request, response.clone()).then(function () { return response; });
    }
    // A roster answers a redirect only to the log-in page (a navigation's redirect reaches the
    // worker opaque): the session is over, and the copies go with it.
    if (response.type === "opaqueredirect" || /\/accounts\/login\//.test(landed.pathname)) {
      return forgetPages().then(function () { return response; });
    }
    return response;
  }, function () {
    return offlineCopy(request).then(function (copy) { return copy || offlinePage(); });
  });
}

function asset(request) {
  return caches.open(ASSETS).then(function (cache) {
    return cache.match(request).then(function (kept) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
      if (kept) { fresh.catch(function () {}); return kept; }
      return fresh;
    });
  });
}

function keepUrls(urls) {
  return Promise.all((urls || []).map(function (href) {
    var url = new URL(href, self.location.href);
    if (url.origin !== self.location.origin) { return null; }
    var request = new Request(url.href, { credentials: "same-origin" });
    if (isRoster(url)) {
      return fetch(request).then(function (response) {
        if (response.ok && isRoster(new URL(response.url || url.href))) { return keepPage(request, response); }
      }).catch(function () {});
    }
    if (url.pathname.indexOf(STATIC) === 0) {
      return caches.open(ASSETS).then(function (cache) { return cache.add(request); }).catch(function () {});
    }
    return null;
  }));
}

// --- events ------------------------------------------------------------------------------------

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("zhiyuan-") === 0 && name !== PAGES && name !== ASSETS;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && isRoster(url)) {
    event.respondWith(rosterPage(request));
  } else if (url.pathname.indexOf(STATIC) === 0) {
    event.respondWith(asset(request));
  }
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var work;
  if (data.type === "queue" && data.check) {
    var check = data.check;
    work = putCheck({
      key: String(check.key),
      slot: check.slot,
      volunteer: check.volunteer,
      direction: check.direction === "out" ? "out" : "in",
      at: check.at,
      name: check.name,
      csrf: check.csrf,
      queued: Date.now(),
      state: "queued",
      message: ""
    }).then(function () {
      if (check.csrf) { return setMeta("csrf", check.csrf); }
    }).then(function () {
      if (self.registration.sync) { self.registration.sync.register(SYNC_TAG).catch(function () {}); }
      return broadcast();
    }).then(sync);
  } else if (data.type === "sync") {
    work = (data.csrf ? setMeta("csrf", data.csrf) : Promise.resolve())
      .then(function () { return data.offline ? setMeta("offline", data.offline) : null; })
      .then(sync);
  } else if (data.type === "keep") {
    work = keepUrls(data.urls);
  } else if (data.type === "dismiss") {
    work = allChecks().then(function (items) {
      return Promise.all(items.filter(function (item) { return item.state === "refused"; })
        .map(function (item) { return deleteCheck(item.key); }));
    }).then(broadcast);
  } else if (data.type === "forget") {
    work = forgetPages();
  } else {
    work = broadcast();
  }
  event.waitUntil(work);
});

self.addEventListener("sync", function (event) {
  if (event.tag === SYNC_TAG) {
    event.waitUntil(sync().then(function () {
      return allChecks().then(function (items) {
        // Still waiting: fail the sync so that the browser tries again later.
        if (items.some(function (item) { return item.state === "queued"; }) && problem) {
          throw new Error("checks still waiting: " + problem);
        }
      });
    }));
  }
});
