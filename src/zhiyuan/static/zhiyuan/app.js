/* What the pages once did in inline handlers, here so that the Content-Security-Policy can
   forbid inline script: a confirmation before a grave action (data-confirm), selecting a
   link to copy (input.copy), submitting a form when a choice changes (data-autosubmit). */
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
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });
})();
