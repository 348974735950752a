// Kiosk sessions: a countdown, a warning two minutes before the end, and at the end the session
// is finished (the bar's "Finish and clear" form is sent), so an unattended kiosk never stays
// signed in. Only an enhancement: without JavaScript the bar says when the session ends, its
// button (a plain form) gives more time, and the server ends the session after the idle time.
(function () {
  "use strict";
  var time = document.getElementById("kiosk-time");
  var dialog = document.getElementById("kiosk-warning");
  var finish = document.getElementById("kiosk-finish");
  if (!time || !dialog || !finish || typeof dialog.showModal !== "function") { return; }
  var countdown = document.getElementById("kiosk-countdown");
  var warnAt = parseInt(time.getAttribute("data-warn-seconds"), 10) || 120;
  var deadline = Date.now() + (parseInt(time.getAttribute("data-seconds-left"), 10) || 0) * 1000;
  var ended = false;

  function end() {
    if (ended) { return; }
    ended = true;
    var flag = document.createElement("input");
    flag.type = "hidden"; flag.name = "timed_out"; flag.value = "1";
    finish.appendChild(flag);
    finish.submit();
  }

  function tick() {
    var left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) { end(); return; }
    countdown.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left <= warnAt && !dialog.open) { dialog.showModal(); }
  }

  function moreTime(form) {
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"Accept": "application/json"}})
      .then(function (response) {
        // Already ended on the server (the answer is the start screen): show it.
        if (response.redirected || !response.ok) { window.location.assign(response.url || "/kiosk/"); return null; }
        return response.json();
      })
      .then(function (answer) {
        if (!answer) { return; }
        deadline = Date.now() + answer.seconds_left * 1000;
        var endAt = time.querySelector(".kiosk-bar__end");
        if (endAt) { endAt.textContent = answer.ends_at; }  // the bar is a status region: read out
        if (dialog.open) { dialog.close(); }  // focus goes back to where the person was
      })
      .catch(function () { form.submit(); });
  }

  document.querySelectorAll("form.kiosk-more-time").forEach(function (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); moreTime(form); });
  });
  // Escape on the warning means "not yet": the same as asking for more time.
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    moreTime(dialog.querySelector("form.kiosk-more-time"));
  });
  tick();
  window.setInterval(tick, 1000);
})();
