// The slot's check-in code, full screen: load a new image when the code changes (the server
// says how long the current one lasts), so a photo of the code stops working.
(function () {
  "use strict";
  var image = document.getElementById("qr");
  if (!image) { return; }
  var base = image.getAttribute("src").split("?")[0];
  var period = parseInt(image.getAttribute("data-refresh"), 10) || 30;
  var first = parseInt(image.getAttribute("data-first"), 10) || period;
  function refresh() {
    image.setAttribute("src", base + "?t=" + Date.now());
  }
  function loop() {
    refresh();
    window.setTimeout(loop, period * 1000);
  }
  window.setTimeout(loop, Math.max(1, first) * 1000 + 300);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { refresh(); }
  });
}());
