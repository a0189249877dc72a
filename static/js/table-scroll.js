// A table wider than the screen scrolls sideways inside its .table-wrap. Where it does,
// say so above it, and let the keyboard scroll it: the box takes focus (arrow keys then
// scroll it) and is a named region for screen readers. Where the table fits, nothing is
// added, so a wide screen gets no extra tab stop. Checked again when the window resizes.
(function () {
  "use strict";

  var script = document.currentScript;
  var hint = script && script.getAttribute("data-hint");
  if (!hint) { return; }
  var wraps = Array.prototype.slice.call(document.querySelectorAll(".table-wrap"));
  var serial = 0;

  function mark(wrap) {
    var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    var note = wrap.previousElementSibling;
    var hasNote = note && note.hasAttribute("data-scroll-hint");
    if (scrolls && !hasNote) {
      note = document.createElement("p");
      note.className = "scroll-hint";
      note.setAttribute("data-scroll-hint", "");
      note.id = "scroll-hint-" + (++serial);
      note.textContent = hint;
      wrap.parentNode.insertBefore(note, wrap);
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-labelledby", note.id);
      wrap.classList.add("table-wrap--scrolls");
    } else if (!scrolls && hasNote) {
      note.remove();
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-labelledby");
      wrap.classList.remove("table-wrap--scrolls");
    }
  }

  function markAll() { wraps.forEach(mark); }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { window.cancelAnimationFrame(pending); }
    pending = window.requestAnimationFrame(function () { pending = null; markAll(); });
  });
  markAll();
})();
