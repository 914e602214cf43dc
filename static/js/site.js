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

  document.addEventListener("htmx:after:settle", function (event) {
    var detail = event.detail || {};
    var roots = Array.prototype.slice.call(detail.newContent || []);
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
