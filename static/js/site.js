/* Small enhancements on top of htmx; every page works without this file. */
(function () {
  "use strict";

  // After htmx swaps new content in, put keyboard and screen-reader focus where a person expects
  // it: on the first field with an error, otherwise on the new content's heading.
  function focusAfterSwap(roots) {
    var selectors = ['[aria-invalid="true"]', "[data-focus-on-swap]"];
    for (var s = 0; s < selectors.length; s++) {
      for (var r = 0; r < roots.length; r++) {
        var root = roots[r];
        if (!root || !root.querySelector) continue;
        var found = root.matches && root.matches(selectors[s]) ? root : root.querySelector(selectors[s]);
        if (found) {
          found.focus();
          return;
        }
      }
    }
  }

  document.addEventListener("htmx:after:settle", function (event) {
    var detail = event.detail || {};
    var roots = Array.prototype.slice.call(detail.newContent || []);
    roots.push(event.target);
    focusAfterSwap(roots);
  });
})();
