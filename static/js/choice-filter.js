// A long list of check boxes (the countries of the system section): a search box that
// narrows it, and the sentence above it that says what is chosen, redrawn as boxes are
// ticked. Without JavaScript the list scrolls and the sentence is the server's.
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

    function narrow() {
      var term = fold(box.value.trim());
      var shown = 0;
      items.forEach(function (item) {
        item.li.hidden = term !== "" && item.key.indexOf(term) === -1;
        if (!item.li.hidden) { shown += 1; }
      });
      found.textContent = shown ? "" : found.dataset.none;
    }

    filter.hidden = false;
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
