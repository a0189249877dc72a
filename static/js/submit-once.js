// A second press of a button marked data-submit-once ("Submit the notice", "Upload") while
// the first is on its way does nothing. (The server also refuses the duplicate; this only
// spares the wait.) Coming back to the page with the browser's Back button allows a press again.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-submit-once]");
  Array.prototype.forEach.call(buttons, function (button) {
    var form = button.form;
    if (!form) { return; }
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) { event.preventDefault(); return; }
      if (event.defaultPrevented) { return; }  // another script kept it from being sent
      sent = true;
      button.setAttribute("aria-busy", "true");
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { sent = false; button.removeAttribute("aria-busy"); }
    });
  });
})();
