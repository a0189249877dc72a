// Saves the section form by itself after a pause in typing and on leaving the page.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = form.querySelector("[data-autosave-status]");
  var timer = null;
  var dirty = false;
  var lang = document.documentElement.lang;
  var text = lang === "ja"
    ? { saving: "保存中…", saved: "下書きを保存しました（", failed: "自動保存できませんでした。「下書きを保存」を押してください。" }
    : { saving: "Saving…", saved: "Draft saved at ", failed: "Could not save automatically. Press “Save draft”." };

  function save(keepalive) {
    if (!dirty) { return; }
    dirty = false;
    var data = new FormData(form);
    if (status && !keepalive) { status.textContent = text.saving; }
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin", keepalive: !!keepalive,
      headers: { "X-Autosave": "1", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!status) { return; }
      if (result.ok && result.body.saved) {
        document.dispatchEvent(new Event("autosaved"));
        status.textContent = text.saved + result.body.saved_at + (lang === "ja" ? "）" : "");
      } else { status.textContent = text.failed; }
    }).catch(function () { if (status) { status.textContent = text.failed; } dirty = true; });
  }

  form.addEventListener("input", function () {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(function () { save(false); }, 1500);
  });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; clearTimeout(timer); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { save(true); }
  });
  window.addEventListener("pagehide", function () { save(true); });
})();
