// After a failed submission, focus moves to the error summary, so that screen-reader and
// keyboard users start at the list of problems; its links move focus to the field.
// Arriving from a link to a field on another page (the submit page's list) focuses it too.
// Otherwise the message of what was just done, if any, takes focus.
(function () {
  "use strict";

  function control(id) {
    var target = id && document.getElementById(id);
    if (!target) { return null; }
    if (target.tagName === "FIELDSET") {
      return target.querySelector("input:not([type=hidden]), select, textarea");
    }
    return /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) ? target : null;
  }

  function focusField(id) {
    var field = control(id);
    if (!field) { return false; }
    var group = field.closest("fieldset.field, .field") || field;
    group.scrollIntoView();
    field.focus({ preventScroll: true });
    return true;
  }

  function idFromHash(hash) {
    try { return decodeURIComponent(hash.slice(1)); } catch (e) { return ""; }
  }

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("[data-error-summary] a[href*='#']");
      if (!link || link.pathname !== window.location.pathname) { return; }
      if (focusField(idFromHash(link.hash))) { event.preventDefault(); }
    });
  } else if (window.location.hash) {
    focusField(idFromHash(window.location.hash));
  } else {
    // What an action did ("Saved at 10:42.", "The notice is withdrawn."): a live region
    // that is already on the page when it loads is seldom read out, so it takes focus,
    // and the next Tab goes on from there.
    var flashes = document.querySelector("[data-flashes]");
    if (flashes) { flashes.focus(); }
  }
})();
