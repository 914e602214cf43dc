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

  // The calendar's time grid: one Tab stop, arrow keys move between its visits and free times
  // (without this every free quarter hour is its own Tab stop, which still works).
  function cellsOf(grid) {
    // One entry per link; a cell holding several visits gives several, in order.
    var cells = [];
    grid.querySelectorAll("td[data-col]").forEach(function (td) {
      td.querySelectorAll("a").forEach(function (link, index) {
        cells.push({
          td: td,
          link: link,
          index: index,
          row: Number(td.getAttribute("data-row")),
          rows: Number(td.getAttribute("data-rows")),
          col: Number(td.getAttribute("data-col")),
        });
      });
    });
    return cells;
  }

  function nextCell(cells, from, key) {
    var best = null;
    var bestScore = Infinity;
    cells.forEach(function (cell) {
      var score;
      var sameCell = cell.td === from.td;
      if (key === "ArrowDown" && sameCell && cell.index > from.index) {
        score = -1000000 + cell.index;
      } else if (key === "ArrowUp" && sameCell && cell.index < from.index) {
        score = -1000000 - cell.index;
      } else if (key === "ArrowDown" && !sameCell && cell.col === from.col && cell.row >= from.row + from.rows) {
        score = cell.row * 100 + cell.index;
      } else if (key === "ArrowUp" && !sameCell && cell.col === from.col && cell.row + cell.rows <= from.row) {
        score = -cell.row * 100 - cell.index;
      } else if ((key === "ArrowRight" && cell.col > from.col) || (key === "ArrowLeft" && cell.col < from.col)) {
        // The nearest column first, then the cell closest to the current row in it.
        var overlaps = cell.row <= from.row && from.row < cell.row + cell.rows;
        score = Math.abs(cell.col - from.col) * 10000 + (overlaps ? 0 : 1 + Math.abs(cell.row - from.row)) + cell.index / 100;
      } else {
        return;
      }
      if (score < bestScore) {
        best = cell;
        bestScore = score;
      }
    });
    return best;
  }

  function setUpTimeGrid(grid) {
    if (grid.getAttribute("data-ready")) return;
    grid.setAttribute("data-ready", "true");
    var cells = cellsOf(grid);
    if (!cells.length) return;
    var keys = grid.closest("section").querySelector("[data-calendar-keys]");
    if (keys) {
      keys.hidden = false;
      grid.setAttribute("aria-describedby", keys.id);
    }
    var now = grid.querySelector("tr.is-now");
    var start = cells[0];
    if (now) {
      var nowRow = Array.prototype.indexOf.call(now.parentNode.children, now);
      start = cells.filter(function (cell) { return cell.row + cell.rows > nowRow; })[0] || start;
    }
    cells.forEach(function (cell) { cell.link.tabIndex = cell === start ? 0 : -1; });
    // Wherever focus lands in the grid (a click, a screen reader), Tab comes back there.
    grid.addEventListener("focusin", function (event) {
      var landed = cells.some(function (cell) { return cell.link === event.target; });
      if (!landed) return; // a column heading's link
      cells.forEach(function (cell) { cell.link.tabIndex = cell.link === event.target ? 0 : -1; });
    });
    grid.addEventListener("keydown", function (event) {
      if (["ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight"].indexOf(event.key) < 0) return;
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return; // the browser's own
      var from = cells.filter(function (cell) { return cell.link === event.target; })[0];
      if (!from) return;
      var to = nextCell(cells, from, event.key);
      event.preventDefault();
      if (to) to.link.focus();
    });
  }

  function setUpTimeGrids(root) {
    (root || document).querySelectorAll("[data-calendar-grid]").forEach(setUpTimeGrid);
  }

  // An error answering htmx appears in #htmx-error above the page (errors.render_error); once
  // something else is swapped in successfully, it no longer applies.
  function clearOldError(target) {
    var region = document.getElementById("htmx-error");
    if (region && target !== region && !region.contains(target)) region.textContent = "";
  }

  document.addEventListener("htmx:after:settle", function (event) {
    var detail = event.detail || {};
    var roots = Array.prototype.slice.call(detail.newContent || []);
    clearOldError(event.target);
    roots.push(event.target);
    roots.forEach(function (root) { if (root && root.querySelectorAll) setUpTimeGrids(root); });
    focusAfterSwap(roots);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUpTimeGrids(document); });
  } else {
    setUpTimeGrids(document);
  }
})();

/* Booking step 2 (added with the quicker time step): once a day's times are in, bring them into
   view when they are below the screen (a phone: the strip of days fills it). Only when needed, so
   a large screen does not move. Separate from the focus logic above; works with htmx's own focus. */
(function () {
  "use strict";

  function showTimes(container) {
    var times = container.querySelector(".times");
    var first = times && times.querySelector("button");
    if (!first) return;
    var box = first.getBoundingClientRect();
    var height = window.innerHeight || document.documentElement.clientHeight;
    if (box.top >= 0 && box.bottom <= height) return;
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    times.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
  }

  // Only after a pointer chose the day: a keyboard user's focus stays on the day link, in view.
  var byPointer = false;
  document.addEventListener("pointerdown", function () { byPointer = true; }, true);
  document.addEventListener("keydown", function () { byPointer = false; }, true);

  document.addEventListener("htmx:after:settle", function (event) {
    var target = event.target;
    if (byPointer && target && target.matches && target.matches("[data-times-scroll]")) showTimes(target);
  });
})();

/* --- Booking in progress: warn before its answers are cleared (issue 17; WCAG 2.2.1) -----------
   Every booking step carries #draft-keep (booking/draft_expiry.py): how many seconds its answers
   are still kept (data-draft-expires-in, counted from when the element arrived, so the browser's
   clock need not agree with the server's) and how long before the end to warn
   (data-draft-warn-before). From then the box's role="alert" region shows the warning with
   "Keep my answers" as a bar at the foot of the window, without taking focus (the page gets room
   below, so the bar never covers what has focus); the button swaps in a new count, which hides it
   and puts focus back where it was before the warning. At the end the bar says the answers were
   cleared, with "Start again". Without this script the step still says how long the answers are
   kept, and the same button keeps them as a plain form. */
(function () {
  "use strict";

  var returnTo = null; // what had focus when the warning appeared

  function draftState(left) {
    if (!left.draftDeadline) {
      left.draftDeadline = Date.now() + 1000 * Number(left.getAttribute("data-draft-expires-in"));
    }
    var seconds = (left.draftDeadline - Date.now()) / 1000;
    if (seconds <= 0) return "expired";
    return seconds <= Number(left.getAttribute("data-draft-warn-before")) ? "warning" : "";
  }

  function showDraftExpiry() {
    var box = document.getElementById("draft-keep");
    var form = box && box.querySelector("#draft-keep-form");
    if (form && form.hidden) form.hidden = false; // (a plain form would lose what is typed: kept for JS)
    var left = box && box.querySelector("[data-draft-expires-in]");
    var alert = box && box.querySelector("[data-draft-alert]");
    var state = left && alert ? draftState(left) : "";
    if (alert && (alert.getAttribute("data-state") || "") !== state) {
      var hadFocus = alert.contains(document.activeElement);
      if (state && !alert.getAttribute("data-state")) returnTo = document.activeElement;
      alert.setAttribute("data-state", state);
      alert.textContent = "";
      var template = state && box.querySelector("template[data-draft-" + state + "]");
      if (template) alert.appendChild(template.content.cloneNode(true));
      alert.classList.toggle("is-shown", !!state);
      if (hadFocus) {
        var back = returnTo && returnTo.isConnected && returnTo !== document.body ? returnTo : null;
        var next = state ? alert.querySelector("a, button") : back || box.querySelector("button");
        if (next) next.focus();
      }
      if (!state) returnTo = null;
    }
    var room = alert && state ? alert.offsetHeight + "px" : "";
    if (document.body.style.paddingBottom !== room) {
      document.body.style.paddingBottom = room;
      document.documentElement.style.scrollPaddingBottom = room;
    }
  }

  document.addEventListener("htmx:after:settle", showDraftExpiry);
  setInterval(showDraftExpiry, 1000);
  showDraftExpiry();
})();
