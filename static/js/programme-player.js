/* The session player's extras (the pages work without them): hold and rest timers that
   count down, a set counter, sound and vibration (off until switched on), and answers
   kept on the phone (localStorage, numbers and choices only, never names) so nothing is
   lost if the phone sleeps or the network drops; a form that could not be sent is sent
   when the network is back. The server records a session once per id (client_id), so a
   form sent twice does no harm. */
(function () {
  "use strict";
  var root = document.querySelector("[data-player]");
  if (!root) {
    return;
  }
  var PREFIX = "stance-player:";
  var clientId = root.dataset.clientId;
  var step = root.dataset.step;
  var form = document.querySelector("[data-player-form]");
  var offline = document.querySelector("[data-offline-status]");

  function store(key, value) {
    try {
      if (value === null) {
        window.localStorage.removeItem(PREFIX + key);
      } else {
        window.localStorage.setItem(PREFIX + key, JSON.stringify(value));
      }
    } catch (e) { /* private mode or full: the server keeps the answers anyway */ }
  }

  function read(key) {
    try {
      return JSON.parse(window.localStorage.getItem(PREFIX + key) || "null");
    } catch (e) {
      return null;
    }
  }

  // --- Answers kept on the phone ---------------------------------------------------------
  var answersKey = "answers:" + clientId + ":" + step;

  function formValues() {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "hidden") {
        return;
      }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) {
        return;
      }
      if (el.tagName === "TEXTAREA") {
        return; // the patient's own words stay off the phone's storage
      }
      values[el.name] = el.value;
    });
    return values;
  }

  function restore(values) {
    Object.keys(values).forEach(function (name) {
      var fields = form.querySelectorAll('[name="' + name + '"]');
      Array.prototype.forEach.call(fields, function (el) {
        if (el.type === "radio") {
          el.checked = el.value === values[name];
        } else {
          el.value = values[name];
        }
      });
    });
  }

  if (form) {
    var saved = read(answersKey);
    // Only after the phone slept before sending: a page the server drew with errors, or
    // the answers it already has, win.
    if (saved && !document.querySelector(".error-summary") && !form.querySelector(":checked")) {
      restore(saved);
    }
    form.addEventListener("input", function () { store(answersKey, formValues()); });
    form.addEventListener("change", function () { store(answersKey, formValues()); });
  }

  // --- Sending, and sending again when the network is back -------------------------------
  function sendPending() {
    var pending = read("pending");
    if (!pending || !navigator.onLine) {
      return;
    }
    var body = new URLSearchParams(pending.body);
    window.fetch(pending.action, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        store("pending", null);
        window.location.assign(response.url);
      })
      .catch(function () { /* still offline: try on the next "online" */ });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) {
        return; // an ordinary post; the server keeps the answers
      }
      event.preventDefault();
      var pairs = [];
      new FormData(form).forEach(function (value, name) { pairs.push([name, value]); });
      store("pending", { action: form.action, body: pairs });
      offline.textContent = "You are offline. Your answers are kept on this phone and sent " +
        "as soon as you are back online.";
    });
  }
  window.addEventListener("online", sendPending);
  sendPending();

  // The new exercise's heading gets the focus (not when the page shows errors: the error
  // summary has it then).
  var heading = document.getElementById("exercise-heading");
  if (heading && !document.querySelector(".error-summary") && step !== "1") {
    heading.focus();
  }

  // --- Timers and the set counter --------------------------------------------------------
  var tools = document.querySelector(".player-tools");
  if (!tools) {
    return;
  }
  tools.hidden = false;
  var clock = tools.querySelector("[data-timer-clock]");
  var label = tools.querySelector("[data-timer-label]");
  var status = tools.querySelector("[data-timer-status]");
  var soundSwitch = tools.querySelector("[data-sound-switch]");
  var setsInput = form && form.querySelector('[name="sets_done"]');
  var sets = parseInt(root.dataset.sets, 10) || 1;
  var setsDone = 0;
  var timer = null;

  soundSwitch.checked = read("sound") === true;
  soundSwitch.addEventListener("change", function () { store("sound", soundSwitch.checked); });

  function show(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    clock.textContent = m + ":" + (s < 10 ? "0" : "") + s;
  }

  function announce(text) {
    status.textContent = text; // a few words at the start and end only: never each second
  }

  function signal() {
    if (!soundSwitch.checked) {
      return;
    }
    if (navigator.vibrate) {
      navigator.vibrate(300);
    }
    try {
      var Audio = window.AudioContext || window.webkitAudioContext;
      var audio = new Audio();
      var beep = audio.createOscillator();
      beep.connect(audio.destination);
      beep.start();
      beep.stop(audio.currentTime + 0.3);
    } catch (e) { /* no sound on this phone */ }
  }

  function stop() {
    if (timer) {
      window.clearInterval(timer.id);
      timer = null;
    }
  }

  function start(name, seconds) {
    stop();
    // Counted from the clock, not from ticks: a phone that sleeps catches up.
    var ends = Date.now() + seconds * 1000;
    label.textContent = name;
    show(seconds);
    announce(name + ": " + seconds + " seconds, started.");
    timer = {
      id: window.setInterval(function () {
        var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
        show(left);
        if (left === 0) {
          stop();
          announce(name + " over.");
          signal();
        }
      }, 250),
    };
  }

  var hold = tools.querySelector("[data-start-hold]");
  if (hold) {
    hold.addEventListener("click", function () {
      start("Hold", parseInt(root.dataset.hold, 10));
    });
  }
  var rest = tools.querySelector("[data-start-rest]");
  if (rest) {
    rest.addEventListener("click", function () {
      start("Rest", parseInt(root.dataset.rest, 10));
    });
  }
  tools.querySelector("[data-stop-timer]").addEventListener("click", function () {
    stop();
    announce("Timer stopped.");
  });
  tools.querySelector("[data-set-done]").addEventListener("click", function () {
    setsDone = Math.min(setsDone + 1, 10);
    if (setsInput) {
      setsInput.value = String(setsDone);
      store(answersKey, formValues());
    }
    var restSeconds = parseInt(root.dataset.rest, 10) || 0;
    if (setsDone < sets && restSeconds > 0) {
      start("Rest", restSeconds);
      announce("Set " + setsDone + " of " + sets + " done. Rest: " + restSeconds + " seconds.");
    } else {
      announce("Set " + setsDone + " of " + sets + " done.");
    }
  });
}());
