/* Page behaviour of the admin UI, loaded from /static so that the Content Security Policy allows no inline
   script. Templates opt in with data-* attributes:
     data-confirm="…"          on a form (before submitting) or a button (before its click) asks first;
                               with data-confirm-field="name" the form's hidden field gets "1" when confirmed
     data-check-all="name"     a checkbox that (un)checks every input[name=…] of its own form
     data-autosubmit           a select that submits its form when changed
     data-select-on-click      a text field whose whole content is selected when clicked
     data-countdown="seconds"  counts down, then enables the buttons of its form (SMS "resend")
     data-poll="api url"       the personnel import page: refreshes the progress until the job ends
   and the credit form offers only the 三级学科 (subdiscipline) of the chosen 二级学科 (discipline). */
(function () {
  "use strict";

  // On a phone the page starts with its content: the menu folds into its "菜单" button (860px: app.css).
  var menu = document.getElementById("main-menu");
  if (menu && window.matchMedia("(max-width: 859px)").matches) menu.open = false;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    var field = form.getAttribute("data-confirm-field");
    if (field && form.elements[field]) form.elements[field].value = "1";
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var button = target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    if (target.hasAttribute("data-select-on-click")) target.select();
    if (target.hasAttribute("data-check-all")) {
      var name = target.getAttribute("data-check-all");
      document.querySelectorAll("input[name='" + name + "']").forEach(function (box) {
        if (box.form === target.form) box.checked = target.checked;
      });
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });

  document.querySelectorAll("[data-countdown]").forEach(function (counter) {
    var form = counter.closest("form");
    var buttons = form ? form.querySelectorAll("button") : [];
    var left = parseInt(counter.getAttribute("data-countdown"), 10);
    buttons.forEach(function (b) { b.disabled = true; });
    var timer = setInterval(function () {
      left -= 1;
      counter.textContent = left;
      if (left <= 0) {
        clearInterval(timer);
        buttons.forEach(function (b) { b.disabled = false; });
        counter.parentNode.textContent = "没有收到？现在可以重新发送。";
      }
    }, 1000);
  });

  var discipline = document.querySelector("select[name=discipline]");
  var sub = document.querySelector("select[name=subdiscipline]");
  if (discipline && sub) {
    var sync = function () {
      sub.querySelectorAll("optgroup").forEach(function (group) {
        var shown = group.label === discipline.value;
        group.hidden = !shown;
        group.disabled = !shown;
      });
      var chosen = sub.selectedOptions[0];
      if (chosen && chosen.parentElement.disabled) sub.value = "";
    };
    discipline.addEventListener("change", sync);
    sync();
  }

  document.querySelectorAll("[data-poll]").forEach(function (element) {
    var api = element.getAttribute("data-poll");
    function tick() {
      fetch(api, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (j) {
          if (j.status === "done" || j.status === "failed") { location.reload(); return; }
          var bar = document.getElementById("import-progress");
          bar.max = Math.max(j.total_rows, 1); bar.value = j.processed_rows;
          document.getElementById("import-count").textContent = j.processed_rows + " / " + j.total_rows;
          document.getElementById("import-status").textContent = j.status_label + "：" + j.message;
          setTimeout(tick, 1000);
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 1000);
  });
})();
