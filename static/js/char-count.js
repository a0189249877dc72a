// A live count under each text box with a limit ("1,234 / 4,000 characters"). The browser
// cuts text pasted beyond the limit without a word: the count says so. Screen readers hear
// the count only near the limit, through a quiet status read after typing pauses.
(function () {
  "use strict";
  var lang = document.documentElement.lang;
  var number = function (n) { return n.toLocaleString(lang === "ja" ? "ja-JP" : "en-GB"); };
  var text = lang === "ja"
    ? {
        count: function (n, max) { return number(n) + " / " + number(max) + " 文字"; },
        reached: function (max) { return number(max) + "文字の上限に達しました。"; },
        cut: function (max) {
          return number(max) + "文字の上限に達したため、貼り付けた文字列の末尾は入力されていません。";
        }
      }
    : {
        count: function (n, max) { return number(n) + " / " + number(max) + " characters"; },
        reached: function (max) { return "You have reached the limit of " + number(max) + " characters."; },
        cut: function (max) {
          return "You have reached the limit of " + number(max) +
            " characters: the end of the pasted text was not added.";
        }
      };
  var NEAR = 0.9;  // from this share of the limit on, screen readers hear the count

  Array.prototype.forEach.call(document.querySelectorAll("textarea[maxlength]"), function (box) {
    var max = parseInt(box.getAttribute("maxlength"), 10);
    if (!(max > 0) || !box.id) { return; }
    var shown = document.createElement("p");
    shown.className = "hint char-count";
    shown.id = box.id + "-count";
    shown.setAttribute("aria-hidden", "true");
    var heard = document.createElement("p");
    heard.className = "visually-hidden";
    heard.setAttribute("role", "status");
    heard.setAttribute("aria-live", "polite");
    box.after(shown, heard);
    var cut = false;
    var timer = null;

    function message() {
      var n = box.value.length;
      if (n < max) { cut = false; return text.count(n, max); }
      return text.count(n, max) + " " + (cut ? text.cut(max) : text.reached(max));
    }

    function update(quietly) {
      var said = message();
      shown.textContent = said;
      shown.classList.toggle("char-count--full", box.value.length >= max);
      clearTimeout(timer);
      if (quietly === true) { return; }
      timer = setTimeout(function () {
        heard.textContent = box.value.length >= max * NEAR ? said : "";
      }, 1000);
    }

    box.addEventListener("paste", function (event) {
      var pasted = (event.clipboardData || window.clipboardData).getData("text") || "";
      var room = max - box.value.length + (box.selectionEnd - box.selectionStart);
      // Line breaks count as one character in the box and may be two on the clipboard.
      cut = pasted.replace(/\r\n/g, "\n").length > room;
    });
    box.addEventListener("input", update);
    update(true);
  });
})();
