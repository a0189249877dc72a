// Saves the section form by itself after a pause in typing and on leaving the page.
//
// The server stores a section whole or not at all, so one answer out of range refuses the
// save: its message then appears beside the field (field-errors.js), and while anything is
// not stored (waiting, failed or refused) leaving the page asks first. A link on the page is
// followed, and any other form on it (add a certification, remove a client) is sent, only
// after the section is saved: the page that answers shows the section as stored, and a save
// landing after it would put the old answers back. A refused save sends no such form.
//
// The form carries the fingerprint of the section's answers as stored when the page was made
// (a hidden field); each save sends it and gets back the new one. A save from a page opened
// before another window or a colleague saved the section is refused (HTTP 409, nothing
// written), as is any save once the notice has been submitted: the server's message then
// stands in the status line, this page saves nothing more by itself (the answers stay on
// it, and leaving asks first), and "Save draft" shows what to do.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData || !window.URLSearchParams) { return; }
  var status = form.querySelector("[data-autosave-status]");
  var seen = form.querySelector("[data-section-fingerprint]");
  var main = document.querySelector("main");
  var timer = null;
  var running = null;   // the save on its way: a promise of whether it was stored
  var leaving = false;  // the section form itself was sent: it carries the answers
  var firstRefused = null;  // the first control whose answer the last save refused
  // Saving by itself stops for good after a conflict (or on the page that reports one).
  var stopped = form.hasAttribute("data-autosave-conflict");
  var lang = document.documentElement.lang;
  var text = lang === "ja"
    ? { saving: "保存中…", saved: "下書きを保存しました（", failed: "自動保存できませんでした。「下書きを保存」を押してください。",
        refused: "保存されていません。メッセージが表示された回答を修正してください。" }
    : { saving: "Saving…", saved: "Draft saved at ", failed: "Could not save automatically. Press “Save draft”.",
        refused: "Not saved: correct the answers that have a message." };

  // The answers only: the fingerprint changes with each save, the answers do not.
  function answers() {
    var params = new URLSearchParams(new FormData(form));
    if (seen) { params.delete(seen.name); }
    return params.toString();
  }

  // The answers as stored; unknown (null) when the page shows answers the server refused
  // (messages in the form, or an expired form's notice just above it).
  var above = form.previousElementSibling;
  var refusedPage = form.querySelector(".error-message") ||
    (above && above.classList.contains("error-summary"));
  var stored = refusedPage ? null : answers();

  function unsaved() { return answers() !== stored; }

  function say(message) { if (status) { status.textContent = message; } }

  // Resolves true once the answers on the page are stored, false if they are not.
  function save(keepalive) {
    if (stopped) { return Promise.resolve(false); }
    if (!unsaved()) { return running || Promise.resolve(true); }
    if (running && !keepalive) { return running.then(function () { return save(false); }); }
    var sent = answers();
    if (!keepalive) { say(text.saving); }
    var current = fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin", keepalive: !!keepalive,
      headers: { "X-Autosave": "1", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    }).then(function (result) {
      if (result.ok && result.body.saved) {
        stored = sent;
        if (seen && result.body.fingerprint) { seen.value = result.body.fingerprint; }
        window.FieldErrors.clear(form);
        document.dispatchEvent(new Event("autosaved"));
        say(text.saved + result.body.saved_at + (lang === "ja" ? "）" : ""));
        return true;
      }
      if (result.body && result.body.message) {
        // Changed elsewhere, submitted, or signed out (401): nothing was written, and
        // nothing more will be; the idle warning (session.js) says the session has ended.
        if (result.status === 401) { document.dispatchEvent(new Event("signedout")); }
        stopped = true;
        clearTimeout(timer);
        firstRefused = null;
        say(result.body.message);
      } else if (result.body && result.body.errors) {
        firstRefused = window.FieldErrors.show(form, result.body.errors);
        say(text.refused);
      } else { say(text.failed); }
      return false;
    }).catch(function () { say(text.failed); return false; });
    running = current;
    current.then(function () { if (running === current) { running = null; } });
    return current;
  }

  function later(event) {
    // A control without a name (the countries' search box) is not part of the answers.
    if (stopped || (event && event.target && !event.target.name)) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () { save(false); }, 1500);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);

  // Sending the section form: its answer page shows what was stored or refused. While a
  // save is on its way the form waits for it, so that it carries the fingerprint that save
  // brings back (sent before, this page's own save would count as someone else's).
  form.addEventListener("submit", function (event) {
    clearTimeout(timer);
    if (event.defaultPrevented) { return; }
    if (!running) { leaving = true; return; }
    event.preventDefault();
    if (form.hasAttribute("data-waiting-for-save")) { return; }  // a second press
    form.setAttribute("data-waiting-for-save", "");
    var submitter = event.submitter;
    running.then(function () {
      form.removeAttribute("data-waiting-for-save");
      leaving = true;
      sendWith(form, submitter);
    });
  });

  // Send ``other`` as its button ``submitter`` would, without a second submit event.
  function sendWith(other, submitter) {
    if (submitter && submitter.name) {
      var value = document.createElement("input");
      value.type = "hidden";
      value.name = submitter.name;
      value.value = submitter.value;
      other.append(value);
    }
    HTMLFormElement.prototype.submit.call(other);
  }

  // Any other form: save first. One in the page's main part is not sent if the save is
  // refused (the messages say why); one elsewhere (sign out, language) goes on, and leaving
  // asks first.
  document.addEventListener("submit", function (event) {
    var other = event.target;
    if (other === form || event.defaultPrevented || (!unsaved() && !running)) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (other.hasAttribute("data-waiting-for-save")) { return; }  // a second press
    other.setAttribute("data-waiting-for-save", "");
    var submitter = event.submitter;
    clearTimeout(timer);
    save(false).then(function (ok) {
      other.removeAttribute("data-waiting-for-save");
      if (!ok && main && main.contains(other)) {
        // Where the page says why: the refused answer, or the conflict's summary.
        var why = firstRefused || (stopped && document.querySelector("[data-error-summary]"));
        if (why) { why.focus(); }
        return;
      }
      // Sent without a second submit event: confirm.js has asked already, and
      // submit-once.js needs no guard for a form sent once from here.
      sendWith(other, submitter);
    });
  }, true);

  // A link to another page: save first, then follow it (leaving asks if the save failed).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey ||
        event.shiftKey || event.altKey || link.target || link.hasAttribute("download") ||
        link.origin !== window.location.origin ||
        (link.pathname === window.location.pathname && link.hash)) { return; }
    if (!unsaved() && !running) { return; }
    event.preventDefault();
    clearTimeout(timer);
    save(false).then(function () { window.location.assign(link.href); });
  });

  window.addEventListener("beforeunload", function (event) {
    if (leaving || !unsaved()) { return; }
    event.preventDefault();
    event.returnValue = "";  // older browsers ask only when a value is set
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "hidden" || leaving) { return; }
    // After the save on its way (and with the fingerprint it brings back), not beside it.
    if (running) { running.then(function () { if (!leaving) { save(true); } }); }
    else { save(true); }
  });
  window.addEventListener("pagehide", function () { if (!leaving) { save(true); } });
})();
