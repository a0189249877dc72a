// A long list of check boxes (the countries of the system section): a search box that
// narrows it, and the sentence above it that says what is chosen, redrawn as boxes are
// ticked. Without JavaScript the list scrolls and the sentence is the server's.
// The list is one stop for Tab (about 250 boxes each were 500 presses to pass both
// lists): the arrow keys, Home and End move within it, Space ticks, Tab leaves it.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "ja";
  var lists = window.Intl && Intl.ListFormat
    ? new Intl.ListFormat(lang, { style: "long", type: "conjunction" })
    : null;
  // As the server's search compares text: full-width letters as ASCII, case folded.
  var fold = function (text) { return text.normalize("NFKC").toLocaleLowerCase(); };

  Array.prototype.forEach.call(document.querySelectorAll("fieldset.field--long"), function (set) {
    var chosen = set.querySelector(".chosen");
    var filter = set.querySelector(".choice-filter");
    if (!chosen || !filter) { return; }
    var box = filter.querySelector("input");
    var found = filter.querySelector(".hint");
    var items = Array.prototype.map.call(set.querySelectorAll(".choices--long li"), function (li) {
      var input = li.querySelector("input");
      var name = li.querySelector("label").textContent.trim();
      return { li: li, input: input, name: name, key: fold(name + " " + input.value) };
    });

    function sayChosen() {
      var names = items.filter(function (item) { return item.input.checked; })
        .map(function (item) { return item.name; });
      chosen.textContent = names.length
        ? chosen.dataset.some.replace("{names}", lists ? lists.format(names) : names.join(", "))
        : chosen.dataset.none;
    }

    var list = set.querySelector(".choices--long");
    var keys = filter.querySelector("[id$='-keys']");
    // Each box names the keys that move through the list, as the hint above it says.
    items.forEach(function (item) {
      var described = item.input.getAttribute("aria-describedby");
      item.input.setAttribute("aria-describedby", (described ? described + " " : "") + keys.id);
    });
    var current = null;

    function visible() { return items.filter(function (item) { return !item.li.hidden; }); }

    // One box of the list takes Tab; the others are reached with the arrow keys.
    function makeCurrent(item) {
      current = item;
      items.forEach(function (each) { each.input.tabIndex = each === item ? 0 : -1; });
    }

    function settle() {
      if (current && !current.li.hidden) { return; }
      var shown = visible();
      makeCurrent(shown.filter(function (item) { return item.input.checked; })[0] || shown[0] || null);
    }

    list.addEventListener("focusin", function (event) {
      var item = items.filter(function (each) { return each.input === event.target; })[0];
      if (item) { makeCurrent(item); }
    });
    list.addEventListener("keydown", function (event) {
      var shown = visible();
      var at = shown.indexOf(current);
      var to = {
        ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1,
        Home: 0, End: shown.length - 1
      }[event.key];
      if (to === undefined || at === -1) { return; }
      event.preventDefault();
      var next = shown[Math.max(0, Math.min(to, shown.length - 1))];
      makeCurrent(next);
      next.input.focus();
    });

    function narrow() {
      var term = fold(box.value.trim());
      var shown = 0;
      items.forEach(function (item) {
        item.li.hidden = term !== "" && item.key.indexOf(term) === -1;
        if (!item.li.hidden) { shown += 1; }
      });
      found.textContent = shown ? "" : found.dataset.none;
      settle();
    }

    filter.hidden = false;
    settle();
    box.addEventListener("input", narrow);
    // Enter in the search box would send the whole section form.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
    set.addEventListener("change", function (event) {
      if (event.target.type === "checkbox") { sayChosen(); }
    });
  });
}());
