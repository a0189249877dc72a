// A second press of "Submit the notice" while the first is on its way does nothing.
// (The server also files a notice once whatever arrives; this only spares the wait.)
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-submit-once]");
  Array.prototype.forEach.call(buttons, function (button) {
    var form = button.form;
    if (!form) { return; }
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) { event.preventDefault(); return; }
      sent = true;
      button.setAttribute("aria-busy", "true");
    });
  });
})();
