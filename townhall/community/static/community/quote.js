// The topic page's Quote buttons. Without this script each is a link to
// ?quote=<post>#reply-form, where the server fills the reply box; with it, the quote
// goes into the reply box in place: the text selected inside that post if there is
// some, else the whole post's Markdown (asked from the server, which checks the post
// may be quoted), under an attribution line. Focus then moves to the reply box.
(function () {
  "use strict";
  var saved = null; // the selection as it was when the pointer went down on a button

  function quoteLines(text) {
    var lines = text.replace(/\r\n?/g, "\n").replace(/\n{3,}/g, "\n\n").trim().split("\n");
    return lines.map(function (line) { return line.trim() ? "> " + line : ">"; }).join("\n");
  }

  function postOf(button) {
    var article = button.closest("article");
    return article ? article.querySelector(":scope > .prose") : null;
  }

  function selectionIn(prose) {
    var selection = window.getSelection();
    if (!prose || !selection || selection.isCollapsed || selection.rangeCount === 0) return "";
    var range = selection.getRangeAt(0);
    if (!prose.contains(range.startContainer) || !prose.contains(range.endContainer)) return "";
    return selection.toString().trim();
  }

  function insert(box, block) {
    var before = box.value.replace(/\s+$/, "");
    box.value = (before ? before + "\n\n" : "") + block;
    var end = box.value.length;
    box.focus({ preventScroll: true });
    box.setSelectionRange(end, end);
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    box.scrollIntoView({ block: "center", behavior: still ? "auto" : "smooth" });
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("pointerdown", function (event) {
    var button = event.target.closest && event.target.closest("a[data-quote]");
    saved = button ? { button: button, text: selectionIn(postOf(button)) } : null;
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("a[data-quote]");
    var section = document.getElementById("reply-form");
    var box = section && section.querySelector("textarea[name=body]");
    if (!button || !box || !section.dataset.quoteUrl || !window.fetch) return;
    event.preventDefault();
    var selected = selectionIn(postOf(button));
    if (!selected && saved && saved.button === button) selected = saved.text;
    saved = null;
    var url = section.dataset.quoteUrl + "?post=" + encodeURIComponent(button.dataset.quote);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("quote refused");
        return response.json();
      })
      .then(function (quote) {
        insert(box, selected ? quote.attribution + "\n" + quoteLines(selected) + "\n\n" : quote.markdown);
      })
      .catch(function () { window.location.href = button.href; });
  });
})();
