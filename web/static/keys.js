// Keys for the lists: j and k move between items, o opens the original
// (or the item), m marks the current story read. The pages work without it.
(function () {
  "use strict";
  var items = [], at = -1;
  function pick(i) {
    if (!items.length) return;
    if (at >= 0) items[at].classList.remove("current");
    at = Math.max(0, Math.min(items.length - 1, i));
    items[at].classList.add("current");
    items[at].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("DOMContentLoaded", function () {
    items = Array.prototype.slice.call(document.querySelectorAll("[data-item]"));
  });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target.tagName;
    if (t === "INPUT" || t === "TEXTAREA" || t === "SELECT") return;
    var cur = at >= 0 ? items[at] : null;
    switch (e.key) {
      case "j": pick(at + 1); break;
      case "k": pick(at - 1); break;
      case "o": {
        var a = cur && (cur.querySelector("[data-original]") || cur.querySelector("[data-open]"));
        if (!a) a = document.querySelector("[data-original]");
        if (a) window.location.href = a.href;
        break;
      }
      case "m": {
        var b = (cur && cur.querySelector("[data-mark]")) || document.querySelector("[data-mark]");
        if (b) b.click();
        break;
      }
      default: return;
    }
    e.preventDefault();
  });
})();
