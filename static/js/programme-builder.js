/* Progressive enhancement for the programme builder: drag an exercise card to a new
   place with a mouse or a finger. The "Move up" and "Move down" buttons do the same
   without JavaScript and stay there for keyboard and screen-reader users. The new order
   is posted to the reorder address; the page then reloads to show it numbered. */
(function () {
  "use strict";
  /* After a change the page comes back at the card or heading it was about (#item-...,
     #items-heading): give that element the focus, so keyboard and screen-reader users
     carry on where they were (it is tabindex="-1" and shows a focus ring). */
  var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  if (target && target.getAttribute("tabindex") === "-1") {
    target.focus();
  }
})();

(function () {
  "use strict";
  var list = document.querySelector(".item-list[data-reorder-url]");
  var form = document.getElementById("reorder-form");
  if (!list || !form || !window.fetch || !("draggable" in document.createElement("li"))) {
    return;
  }
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  if (!token || list.querySelectorAll(":scope > li[data-item]").length < 2) {
    return;
  }
  document.documentElement.classList.add("js-drag");
  var dragged = null;

  function cards() {
    return Array.prototype.slice.call(list.querySelectorAll(":scope > li[data-item]"));
  }

  function clearTargets() {
    cards().forEach(function (li) { li.classList.remove("drop-target"); });
  }

  function save() {
    var body = new URLSearchParams();
    cards().forEach(function (li) { body.append("item", li.getAttribute("data-item")); });
    fetch(list.getAttribute("data-reorder-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token.value, "X-Requested-With": "fetch" },
      body: body
    }).then(function () {
      window.location.reload();
    }, function () {
      window.location.reload();
    });
  }

  cards().forEach(function (li) {
    var handle = document.createElement("span");
    handle.className = "drag-handle";
    handle.setAttribute("aria-hidden", "true");
    handle.textContent = "Drag to move";
    li.insertBefore(handle, li.firstChild);
    li.setAttribute("draggable", "true");
    li.addEventListener("dragstart", function (event) {
      dragged = li;
      li.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", li.getAttribute("data-item"));
    });
    li.addEventListener("dragend", function () {
      li.classList.remove("is-dragging");
      clearTargets();
      dragged = null;
    });
    li.addEventListener("dragover", function (event) {
      if (!dragged || dragged === li) {
        return;
      }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      clearTargets();
      li.classList.add("drop-target");
    });
    li.addEventListener("drop", function (event) {
      if (!dragged || dragged === li) {
        return;
      }
      event.preventDefault();
      var before = cards().indexOf(dragged) > cards().indexOf(li) ? li : li.nextSibling;
      list.insertBefore(dragged, before);
      clearTargets();
      save();
    });
  });
})();
