/* The staff calendar: drag a visit to a free time to move it.
 *
 * Without this file every visit still has its Move link (the keyboard way) and every
 * free time is a link to book there. With it, on the time grid (768 px and wider):
 * - HTML5 drag and drop for a mouse, pointer events for touch and pens;
 * - the drop posts to the visit's own move page (`data-move-url`), the same checks as
 *   moving by the form: the server answers 200 with a sentence, or 409 with the reason
 *   the time is not free;
 * - the grid is then fetched again with htmx (or left as it was, on a refusal) and the
 *   sentence is read out in the page's status region (#calendar-status);
 * - after a one-click mark (htmx swaps that card alone) its outcome is read out there
 *   too and the focus goes back to the card.
 * - the keyboard can do the same: "m" in a visit, arrows, Enter (Escape puts it back).
 * No calendar library.
 */
(function () {
  "use strict";

  var GRID_QUERY = "(min-width: 768px)";
  var status = document.getElementById("calendar-status");

  function say(message, isError) {
    if (!status) return;
    status.textContent = message;
    status.classList.toggle("is-error", Boolean(isError));
  }

  function csrfToken() {
    var frame = document.getElementById("calendar-grid");
    return frame ? frame.dataset.csrfToken || "" : "";
  }

  function isGrid() {
    return window.matchMedia(GRID_QUERY).matches;
  }

  /* The row under a point of a column, and the instant it starts (UTC, ISO 8601). */
  function dropTarget(column, clientY, grabOffsetRows) {
    var starts = (column.dataset.rowStarts || "").split(" ");
    var box = column.getBoundingClientRect();
    var rowHeight = box.height / starts.length;
    var row = Math.floor((clientY - box.top) / rowHeight) - grabOffsetRows;
    row = Math.max(0, Math.min(starts.length - 1, row));
    return starts[row] || "";
  }

  function refreshGrid() {
    var frame = document.getElementById("calendar-grid");
    if (!frame || !window.htmx) {
      window.location.reload();
      return;
    }
    window.htmx.ajax("GET", frame.dataset.refreshUrl, { target: "#calendar-grid", swap: "outerHTML" });
  }

  function move(item, column, start, onRefused) {
    var putBack = onRefused || function () {};
    if (!start) {
      putBack();
      say("That time does not exist on this day (the clocks change). Choose another time.", true);
      return;
    }
    var body = new URLSearchParams();
    body.set("slot", column.dataset.practitioner + "|" + start + "|");
    item.classList.add("is-dragging");
    fetch(item.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() }
    })
      .then(function (response) {
        return response.text().then(function (text) {
          /* 200, 400 and 409 carry one sentence for people; anything else is not ours to read out. */
          var readable = [200, 400, 409].indexOf(response.status) !== -1;
          return {
            ok: response.ok,
            text: readable ? text : "The visit could not be moved (error " + response.status + "). Reload the page and try again, or use its Move link."
          };
        });
      })
      .then(function (answer) {
        item.classList.remove("is-dragging");
        if (answer.ok) {
          say(answer.text, false);
          refreshGrid();
        } else {
          /* Nothing moved: the visit goes back where it was; say why. */
          putBack();
          say(answer.text || "The visit could not be moved.", true);
        }
      })
      .catch(function () {
        item.classList.remove("is-dragging");
        putBack();
        say("The visit could not be moved: the connection failed. Try again, or use its Move link.", true);
      });
  }

  /* --- Mouse: HTML5 drag and drop ------------------------------------------------ */

  var dragged = null;
  var grabRows = 0;

  function columnOf(node) {
    return node && node.closest ? node.closest(".cal-col") : null;
  }

  function clearTargets() {
    document.querySelectorAll(".cal-col.is-drop-target").forEach(function (c) {
      c.classList.remove("is-drop-target");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest(".cal-appt[data-move-url]");
    if (!item || !isGrid()) return;
    if (touch) {
      /* A touch screen's own drag would move the visit a second time: the long press
         below does it. */
      event.preventDefault();
      return;
    }
    dragged = item;
    var column = columnOf(item);
    var rows = (column.dataset.rowStarts || "").split(" ").length;
    var rowHeight = column.getBoundingClientRect().height / rows;
    grabRows = Math.floor((event.clientY - item.getBoundingClientRect().top) / rowHeight);
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.code);
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("is-drop-target")) {
      clearTargets();
      column.classList.add("is-drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();
    clearTargets();
    var item = dragged;
    dragged = null;
    move(item, column, dropTarget(column, event.clientY, grabRows));
  });

  document.addEventListener("dragend", function () {
    dragged = null;
    clearTargets();
  });

  /* --- Touch and pens: pointer events (a long press, then drag) ------------------- */

  var touch = null;

  document.addEventListener("pointerdown", function (event) {
    if (event.pointerType === "mouse" || !isGrid()) return;
    var item = event.target.closest && event.target.closest(".cal-appt[data-move-url]");
    if (!item || event.target.closest("a, button")) return;
    touch = { item: item, id: event.pointerId, timer: null, active: false };
    touch.timer = window.setTimeout(function () {
      if (touch) {
        touch.active = true;
        item.classList.add("is-dragging");
      }
    }, 400);
  });

  document.addEventListener("pointermove", function (event) {
    if (!touch || event.pointerId !== touch.id || !touch.active) return;
    event.preventDefault();
    clearTargets();
    var column = columnOf(document.elementFromPoint(event.clientX, event.clientY));
    if (column) column.classList.add("is-drop-target");
  });

  function endTouch(event) {
    if (!touch || event.pointerId !== touch.id) return;
    window.clearTimeout(touch.timer);
    var state = touch;
    touch = null;
    clearTargets();
    if (!state.active) return;
    state.item.classList.remove("is-dragging");
    var column = columnOf(document.elementFromPoint(event.clientX, event.clientY));
    if (column && event.type === "pointerup") {
      move(state.item, column, dropTarget(column, event.clientY, 0));
    }
  }

  document.addEventListener("pointerup", endTouch);
  document.addEventListener("pointercancel", endTouch);

  /* --- Keyboard (optional; the Move link is the keyboard way without this) --------
     In a visit on the grid, "m" picks it up; the up and down arrows change its time by
     15 minutes, left and right its column; Enter moves it there, Escape puts it back. */

  var held = null;

  function rowClass(item) {
    return Array.prototype.find.call(item.classList, function (c) { return /^cal-r\d+$/.test(c); });
  }

  function heldLabel() {
    var starts = held.column.dataset.rowStarts.split(" ");
    var start = starts[held.row];
    var heading = document.getElementById(held.column.getAttribute("aria-labelledby"));
    var zone = document.getElementById("calendar-grid").dataset.zone;
    var time = start
      ? new Intl.DateTimeFormat("en-AU", { timeZone: zone, hour: "numeric", minute: "2-digit" }).format(new Date(start))
      : "a time that does not exist that day";
    return time + ", " + (heading ? heading.textContent.trim() : "");
  }

  var placing = false;

  function place(row, column) {
    var item = held.item;
    item.classList.remove(rowClass(item));
    item.classList.add("cal-r" + (row + 1));
    placing = true;
    if (column !== held.column) column.appendChild(item);
    placing = false;
    held.row = row;
    held.column = column;
  }

  /* Tabbing away while holding a visit puts it back. */
  document.addEventListener("focusout", function (event) {
    if (!held || placing || held.item.contains(event.relatedTarget)) return;
    putDown(true);
    say("Not moved.", false);
  });

  function putDown(restore) {
    if (!held) return;
    var state = held;
    held = null;
    state.item.classList.remove("is-held");
    if (restore) {
      held = state;
      place(state.from.row, state.from.column);
      held = null;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || !isGrid()) return;
    var item = event.target.closest && event.target.closest(".cal-appt[data-move-url]");
    if (!held) {
      if (!item || (event.key !== "m" && event.key !== "M")) return;
      event.preventDefault();
      var column = columnOf(item);
      var row = parseInt(item.dataset.row, 10) - 1;
      held = { item: item, column: column, row: row, from: { column: column, row: row } };
      item.classList.add("is-held");
      say("Moving this visit: " + heldLabel() + ". Arrows to change, Enter to move, Escape to stop.", false);
      return;
    }
    var columns = Array.prototype.slice.call(document.querySelectorAll(".cal-col"));
    var rows = held.column.dataset.rowStarts.split(" ").length;
    var span = parseInt(held.item.dataset.span, 10) || 1;
    var index = columns.indexOf(held.column);
    if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      var step = event.key === "ArrowUp" ? -1 : 1;
      place(Math.max(0, Math.min(rows - span, held.row + step)), held.column);
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      var next = columns[index + (event.key === "ArrowLeft" ? -1 : 1)];
      if (next) place(held.row, next);
    } else if (event.key === "Enter") {
      var state = held;
      var start = state.column.dataset.rowStarts.split(" ")[state.row];
      putDown(false);
      event.preventDefault();
      move(state.item, state.column, start, function () {
        held = state;
        putDown(true);
      });
      return;
    } else if (event.key === "Escape") {
      putDown(true);
      say("Not moved.", false);
    } else {
      return;
    }
    event.preventDefault();
    if (held) {
      say(heldLabel(), false);
      held.item.querySelector(".cal-who a").focus();
    }
  });

  /* Visits that may move are draggable (set here: without this file they are not). */
  function markDraggable(root) {
    root.querySelectorAll(".cal-appt[data-move-url]").forEach(function (item) {
      item.setAttribute("draggable", "true");
    });
  }

  markDraggable(document);

  /* After a one-click mark htmx replaces the card, and with it the button that had the
     focus: read out what happened and put the focus on the card's patient link, so a
     keyboard user stays where they were. */
  var swappedCard = "";
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.elt && event.detail.elt.getAttribute("hx-target");
    swappedCard = target && target.indexOf("#card-") === 0 ? target.slice(1) : "";
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    markDraggable(document);
    var card = swappedCard && document.getElementById(swappedCard);
    swappedCard = "";
    if (!card) return;
    var error = card.querySelector(".cal-error");
    var done = card.querySelector(".cal-message");
    if (error || done) say((error || done).textContent, Boolean(error));
    var link = card.querySelector(".cal-who a");
    if (link) link.focus();
  });
})();
