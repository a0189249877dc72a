// The idle timeout, as the person sees it.
//
// Typing or clicking on the page is activity: at most once a minute it restarts the
// server's idle clock (POST /session/extend), so nobody is signed out while writing a long
// answer. Two minutes before the timeout the page warns and offers to stay signed in; the
// warning gives focus back to where it was when it closes (the button, or Escape). Once the
// server answers that the session has ended, it says so: the page, and what was typed on
// it, stays as it is.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds"), 10);
  var url = body.getAttribute("data-extend-url");
  var panel = document.getElementById("idle-warning");
  var stay = document.getElementById("idle-stay");
  if (!idle || !url || !panel || !stay || !window.fetch) { return; }
  var warnBefore = Math.min(120, Math.floor(idle / 2));
  var ACTIVITY_EVERY = Math.min(60, Math.floor(idle / 4)) * 1000;
  var timer = null;
  var lastExtended = Date.now();  // loading this page restarted the server's clock
  var asking = null;              // an extension on its way
  var returnTo = null;            // what had focus when the warning opened
  var signedOut = false;

  // The warning does not claim the session has ended when its time is up: activity in
  // another tab of the same session may have kept it alive. The server's answer (401 to
  // "Stay signed in", or to an autosave) says so for certain.
  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(function () {
      returnTo = document.activeElement;
      panel.hidden = false;
      stay.focus();
    }, Math.max(seconds - warnBefore, 1) * 1000);
  }

  function close() {
    panel.hidden = true;
    if (returnTo && returnTo !== stay && document.contains(returnTo)) { returnTo.focus(); }
    returnTo = null;
  }

  function showSignedOut() {
    signedOut = true;
    clearTimeout(timer);
    panel.querySelectorAll("[data-idle-before]").forEach(function (el) { el.hidden = true; });
    panel.querySelectorAll("[data-idle-after]").forEach(function (el) { el.hidden = false; });
    stay.hidden = true;
    panel.hidden = false;
  }

  function extend() {
    if (asking || signedOut) { return asking; }
    asking = fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": body.getAttribute("data-csrf"), "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401) { showSignedOut(); return; }
      return response.json().then(function (data) {
        lastExtended = Date.now();
        schedule(data.idle_seconds || idle);
      });
    }).catch(function () {}).then(function () { asking = null; });
    return asking;
  }

  stay.addEventListener("click", function () {
    extend();
    close();
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { extend(); close(); }
  });

  function activity(event) {
    if (signedOut || panel.contains(event.target)) { return; }
    if (Date.now() - lastExtended >= ACTIVITY_EVERY) { extend(); }
  }
  document.addEventListener("input", activity, true);
  document.addEventListener("keydown", activity, true);
  document.addEventListener("pointerdown", activity, true);

  // Any autosave or form post also restarts the server's idle clock.
  document.addEventListener("autosaved", function () {
    lastExtended = Date.now();
    schedule(idle);
  });
  // An autosave answered that the session has ended.
  document.addEventListener("signedout", showSignedOut);
  schedule(idle);
})();
