// The volunteer's check-in page: send the phone's location with the check-in when the phone
// gives it (the activity may ask for it: a check-in outside its radius is flagged, not refused).
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  if (!form || !navigator.geolocation) { return; }
  var latitude = form.querySelector("input[name=latitude]");
  var longitude = form.querySelector("input[name=longitude]");
  var status = document.getElementById("location-status");
  navigator.geolocation.getCurrentPosition(function (position) {
    latitude.value = position.coords.latitude.toFixed(6);
    longitude.value = position.coords.longitude.toFixed(6);
    if (status) { status.textContent = status.getAttribute("data-found"); }
  }, function () {
    if (status) { status.textContent = status.getAttribute("data-missing"); }
  }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
}());
