// Field messages drawn by script, in the markup the server's pages use (templates/_forms.html:
// the field's box gets "field--error", its message is <p class="error-message" id="ID-error">
// after the hint, and the control is described by it and marked invalid), so that a refused
// autosave looks and reads like a refused "Save".
window.FieldErrors = (function () {
  "use strict";

  function byId(form, id) {
    return form.querySelector("#" + (window.CSS && CSS.escape ? CSS.escape(id) : id));
  }

  // The element described by the message: a group's fieldset, or the control itself.
  function target(form, name) {
    var element = byId(form, name);
    if (!element || !/^(FIELDSET|INPUT|SELECT|TEXTAREA)$/.test(element.tagName)) { return null; }
    return element;
  }

  function box(element) {
    return element.tagName === "FIELDSET" ? element : element.closest(".field");
  }

  function describe(element, id, on) {
    var ids = (element.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) {
      return x && x !== id;
    });
    if (on) { ids.push(id); }
    if (ids.length) { element.setAttribute("aria-describedby", ids.join(" ")); }
    else { element.removeAttribute("aria-describedby"); }
  }

  function place(form, name, container, element, message) {
    var hint = byId(form, name + "-hint");
    if (hint) { hint.after(message); return; }
    if (container.classList.contains("field--checkbox")) { container.append(message); return; }
    var before = element.tagName === "FIELDSET"
      ? element.querySelector("legend") : container.querySelector("label");
    if (before) { before.after(message); } else { container.prepend(message); }
  }

  // Show ``errors`` ({field name: [messages]}); returns the first control with a message.
  function show(form, errors) {
    clear(form);
    var first = null;
    Object.keys(errors || {}).forEach(function (name) {
      var element = target(form, name);
      var messages = errors[name];
      if (!element || !messages || !messages.length) { return; }
      var container = box(element) || element;
      var message = document.createElement("p");
      message.className = "error-message";
      message.id = name + "-error";
      messages.forEach(function (text) {
        var span = document.createElement("span");
        span.textContent = text;
        message.append(span, " ");
      });
      place(form, name, container, element, message);
      container.classList.add("field--error");
      describe(element, message.id, true);
      if (element.tagName !== "FIELDSET") { element.setAttribute("aria-invalid", "true"); }
      if (!first) {
        first = element.tagName === "FIELDSET"
          ? element.querySelector("input, select, textarea") : element;
      }
    });
    return first;
  }

  // Remove every field message of ``form``, and the problem list above it that the server
  // drew for the same answers: they are stored now.
  function clear(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".error-message[id$='-error']"), function (message) {
      var name = message.id.slice(0, -"-error".length);
      var element = target(form, name);
      if (element) {
        describe(element, message.id, false);
        element.removeAttribute("aria-invalid");
        var container = box(element);
        if (container) { container.classList.remove("field--error"); }
      }
      message.remove();
    });
    var previous = form.previousElementSibling;
    while (previous && previous.classList.contains("error-summary")) {
      var gone = previous;
      previous = previous.previousElementSibling;
      gone.remove();
    }
  }

  return { show: show, clear: clear };
})();
