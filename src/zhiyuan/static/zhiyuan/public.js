/* Self-registration: open the block for people under 18 when the ID number or the birth date
   says so. ES5, for the older WebView kernels of WeChat; the page works without it (the block
   opens when tapped). */
(function () {
  var block = document.getElementById("age-basis");
  if (!block) return;
  var adult = parseInt(block.getAttribute("data-adult-age"), 10) || 18;
  var id = document.getElementById("id_document_number");
  var birth = document.getElementById("id_birth_date");
  function birthDate() {
    var number = ((id && id.value) || "").replace(/\s/g, "");
    var match = /^\d{6}(\d{4})(\d{2})(\d{2})\d{3}[\dXx]$/.exec(number);
    if (match) return new Date(+match[1], +match[2] - 1, +match[3]);
    if (birth && /^\d{4}-\d{2}-\d{2}$/.test(birth.value)) {
      var parts = birth.value.split("-");
      return new Date(+parts[0], +parts[1] - 1, +parts[2]);
    }
    return null;
  }
  function check() {
    var born = birthDate();
    if (!born || isNaN(born.getTime())) return;
    var now = new Date();
    var age = now.getFullYear() - born.getFullYear();
    if (now.getMonth() < born.getMonth() ||
        (now.getMonth() === born.getMonth() && now.getDate() < born.getDate())) age -= 1;
    if (age < adult) block.open = true;
  }
  [id, birth].forEach(function (field) {
    if (!field) return;
    field.addEventListener("change", check);
    field.addEventListener("input", check);
  });
  check();
})();
