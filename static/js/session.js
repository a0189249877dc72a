// Warns two minutes before the idle timeout and offers to stay signed in.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds"), 10);
  var url = body.getAttribute("data-extend-url");
  var panel = document.getElementById("idle-warning");
  var stay = document.getElementById("idle-stay");
  if (!idle || !url || !panel || !stay || !window.fetch) { return; }
  var warnBefore = Math.min(120, Math.floor(idle / 2));
  var timer = null;

  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(function () {
      panel.hidden = false;
      stay.focus();
    }, Math.max(seconds - warnBefore, 1) * 1000);
  }

  stay.addEventListener("click", function () {
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": body.getAttribute("data-csrf"), "Accept": "application/json" }
    }).then(function (response) { return response.json(); }).then(function (data) {
      panel.hidden = true;
      schedule(data.idle_seconds || idle);
    });
  });
  // Any autosave or form post also restarts the server's idle clock.
  document.addEventListener("autosaved", function () { schedule(idle); });
  schedule(idle);
})();
