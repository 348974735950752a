// Kiosk sessions: a countdown, and a warning two minutes before the server ends the session.
// Only an enhancement: without JavaScript the bar says when the session ends and its button
// (a plain form) gives more time.
(function () {
  "use strict";
  var time = document.getElementById("kiosk-time");
  var dialog = document.getElementById("kiosk-warning");
  if (!time || !dialog || typeof dialog.showModal !== "function") { return; }
  var countdown = document.getElementById("kiosk-countdown");
  var warnAt = parseInt(time.getAttribute("data-warn-seconds"), 10) || 120;
  var deadline = Date.now() + (parseInt(time.getAttribute("data-seconds-left"), 10) || 0) * 1000;

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    if (left <= 0) {
      // The server has ended the session by now: show the start screen, not this person's page.
      window.location.assign(time.getAttribute("data-timeout-url"));
      return;
    }
    countdown.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left <= warnAt && !dialog.open) { dialog.showModal(); }
  }

  document.querySelectorAll("form.kiosk-more-time").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                          headers: {"Accept": "application/json"}})
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
        .then(function (answer) {
          deadline = Date.now() + answer.seconds_left * 1000;
          var end = time.querySelector(".kiosk-bar__end");
          if (end) { end.textContent = answer.ends_at; }
          if (dialog.open) { dialog.close(); }
          time.focus && time.setAttribute("tabindex", "-1");
          time.focus();
        })
        .catch(function () { form.submit(); });
    });
  });
  tick();
  window.setInterval(tick, 1000);
})();
