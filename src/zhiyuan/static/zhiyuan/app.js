/* What the pages once did in inline handlers, here so that the Content-Security-Policy can
   forbid inline script: a confirmation before a grave action (data-confirm), selecting a
   link to copy (input.copy), submitting a form when a choice changes (data-autosubmit), and
   keeping ID and mobile numbers out of the ledger's address. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("input.copy")) {
      event.target.select();
    }
  });
  // The ledger's name search is a GET form: an ID or mobile number typed into it would go into
  // the address (and the browser's history). Such a number is looked up by the POST box instead.
  var FULL_WIDTH = /[\uff10-\uff19\uff38\uff58]/g;
  function personalNumber(text) {
    var flat = text.replace(FULL_WIDTH, function (ch) {
      return String.fromCharCode(ch.charCodeAt(0) - 0xfee0);
    }).replace(/[\s\-.()\[\]\/_+]/g, "").replace(/^(0086|86)(1\d{10})$/, "$2");
    return /^1[3-9]\d{9}$/.test(flat) || /^\d{17}[\dXx]$/.test(flat);
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var typed = form.matches("form.filters") && form.querySelector("input[name=q]");
    var box = document.querySelector("form.searchbar input[name=identity]");
    if (typed && box && personalNumber(typed.value)) {
      event.preventDefault();
      box.value = typed.value;
      typed.value = "";
      box.form.requestSubmit ? box.form.requestSubmit() : box.form.submit();
    }
  });
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });
})();
