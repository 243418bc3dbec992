/* Page behaviour of the admin UI, loaded from /static so that the Content Security Policy allows no inline
   script. Templates opt in with data-* attributes:
     data-confirm="…"          on a form (before submitting) or a button (before its click) asks first;
                               with data-confirm-field="name" the form's hidden field gets "1" when confirmed
     data-check-all="name"     a checkbox that (un)checks every input[name=…] of its own form
     data-autosubmit           a select that submits its form when changed
     data-select-on-click      a text field whose whole content is selected when clicked
     data-countdown="seconds"  counts down, then enables the buttons of its form (SMS "resend")
     data-poll="api url"       the personnel import page: refreshes the progress until the job ends
     data-rotating-code="url"  the venue's screen: fetches the session's codes again when they rotate and
                               puts each SVG into its [data-code-svg=action] and the counts into [data-count]
     data-live="api url"       a run's attendance page: refreshes the [data-count] numbers every 10 seconds
     data-fullscreen="id"      a button that shows the element with that id on the whole screen
     data-print                a button that prints the page
     data-person-picker        the UI kit's person picker (kit/person_picker.html): finds people as one
                               types and puts the chosen one's person number into the field
     data-preview="api url"    the guided credit form: computes the credits of the inputs named in
                               data-preview-inputs as they change and shows them with the explanation
   and the credit form offers only the 三级学科 (subdiscipline) of the chosen 二级学科 (discipline). */
(function () {
  "use strict";

  // On a phone the page starts with its content: the menu folds into its "菜单" button (860px: app.css).
  // Turning a tablet (or widening the window) past 860px shows the menu beside the content again.
  var menu = document.getElementById("main-menu");
  var desk = window.matchMedia("(min-width: 860px)");
  if (menu) {
    menu.open = desk.matches;
    desk.addEventListener("change", function (event) { menu.open = event.matches; });
  }

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
    // Keep the 三级学科 of every 二级学科 aside and put back only the chosen one's: hiding an optgroup
    // is ignored by some phone browsers, which would list all of them.
    var groups = Array.prototype.slice.call(sub.querySelectorAll("optgroup"));
    var sync = function () {
      var chosen = sub.value;
      groups.forEach(function (group) { if (group.parentNode) group.parentNode.removeChild(group); });
      groups.forEach(function (group) { if (group.label === discipline.value) sub.appendChild(group); });
      sub.value = chosen;
      if (sub.value !== chosen) sub.value = "";
    };
    discipline.addEventListener("change", sync);
    sync();
  }

  var csrf = document.querySelector("meta[name=csrf-token]");
  function csrfHeader() { return csrf ? csrf.content : ""; }

  document.querySelectorAll("[data-person-picker]").forEach(function (picker) {
    var field = picker.querySelector("input");
    var status = picker.querySelector(".picker-status");
    var results = picker.querySelector(".picker-results");
    var api = picker.getAttribute("data-api");
    var timer = null;
    var asked = 0;
    var chosen = field.value;
    function getJson(url, options) {
      return fetch(url, Object.assign({credentials: "same-origin", headers: {Accept: "application/json"}}, options))
        .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, json: j}; }); });
    }
    function query(value, finished) {
      // A full ID number is exchanged for a search token first, so that it never appears in a URL; a part
      // of one is not searched at all (a 15-digit number only once the field is left: it may grow to 18).
      if (/^\d{11,}/.test(value) && !(/^\d{17}[\dXx]$/.test(value) || (finished && /^\d{15}$/.test(value)))) {
        return Promise.resolve({ok: false, json: {message: "请输入完整的证件号码"}});
      }
      if (/^(\d{17}[\dXx]|\d{15})$/.test(value)) {
        return getJson(picker.getAttribute("data-token-api"), {
          method: "POST",
          headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfHeader()},
          body: JSON.stringify({q_field: "id_number", q: value})
        }).then(function (a) {
          if (!a.ok) return a;
          return getJson(api + "?page_size=10&q_field=id_number&q=" + encodeURIComponent(a.json.q));
        });
      }
      var fieldName = /^\d{1,10}$/.test(value) ? "person_number" : "name";
      return getJson(api + "?page_size=10&q_field=" + fieldName + "&q=" + encodeURIComponent(value));
    }
    function choose(person) {
      // Leaving the field for the list fires its change event first: drop that search's late answer.
      clearTimeout(timer);
      asked += 1;
      field.value = person.person_number;
      chosen = field.value;
      results.hidden = true;
      results.textContent = "";
      status.textContent = "已选：" + person.name + "（" + person.person_number + "）" + person.institution_name +
        (person.department_name ? " " + person.department_name : "");
    }
    function show(answer) {
      results.textContent = "";
      if (!answer.ok) { status.textContent = answer.json.message || "查找失败，请稍后再试"; results.hidden = true; return; }
      var people = answer.json.items || [];
      status.textContent = people.length ? "找到 " + answer.json.total + " 人，请选择：" : "没有找到符合的人员";
      people.forEach(function (person) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "picker-choice";
        button.textContent = person.name + "（" + person.person_number + "）" + person.institution_name +
          (person.department_name ? " " + person.department_name : "") + " " + person.id_masked;
        button.addEventListener("click", function () { choose(person); });
        item.appendChild(button);
        results.appendChild(item);
      });
      results.hidden = people.length === 0;
    }
    function search(finished) {
      clearTimeout(timer);
      var value = field.value.trim();
      if (value === chosen) return;
      if (!value) { results.hidden = true; status.textContent = ""; return; }
      timer = setTimeout(function () {
        var mine = ++asked;
        query(value, finished).then(function (answer) { if (mine === asked) show(answer); })
          .catch(function () { if (mine === asked) status.textContent = "查找失败，请稍后再试"; });
      }, finished ? 0 : 300);
    }
    field.addEventListener("input", function () { search(false); });
    field.addEventListener("change", function () { search(true); });
  });

  document.querySelectorAll("[data-preview]").forEach(function (box) {
    var form = box.closest("form");
    var names = box.getAttribute("data-preview-inputs").split(",");
    var optional = (box.getAttribute("data-preview-optional") || "").split(",");
    var decimals = ["hours", "project_credits"];
    var credits = box.querySelector(".preview-credits");
    var steps = box.querySelector(".preview-steps");
    var timer = null;
    var asked = 0;
    function show(text, explanation) {
      credits.textContent = text;
      steps.textContent = "";
      (explanation || []).forEach(function (step) {
        var item = document.createElement("li");
        item.textContent = step;
        steps.appendChild(item);
      });
      box.hidden = false;
    }
    function update() {
      var body = {};
      var complete = names.every(function (name) {
        var field = form.elements[name];
        var value = field ? field.value.trim() : "";
        if (value === "") return optional.indexOf(name) >= 0;
        body[name] = decimals.indexOf(name) >= 0 ? value : Number(value);
        return true;
      });
      if (!complete) { box.hidden = true; return; }
      var mine = ++asked;
      fetch(box.getAttribute("data-preview"), {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json",
                  "X-CSRF-Token": csrfHeader()},
        body: JSON.stringify(body)
      })
        .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, json: j}; }); })
        .then(function (answer) {
          if (mine !== asked) return;
          if (answer.ok) show("按所填内容，本条学分为 " + answer.json.credits_text + " 分", answer.json.explanation);
          else show(answer.json.message || "暂时无法计算，请检查所填内容", []);
        })
        .catch(function () { if (mine === asked) box.hidden = true; });
    }
    names.forEach(function (name) {
      var field = form.elements[name];
      if (!field) return;
      ["input", "change"].forEach(function (type) {
        field.addEventListener(type, function () { clearTimeout(timer); timer = setTimeout(update, 300); });
      });
    });
    update();
  });

  function showCounts(root, counts) {
    root.querySelectorAll("[data-count]").forEach(function (element) {
      var value = counts[element.getAttribute("data-count")];
      if (value !== undefined) element.textContent = value;
    });
  }

  function getJson(api) {
    return fetch(api, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }

  document.querySelectorAll("[data-rotating-code]").forEach(function (venue) {
    var api = venue.getAttribute("data-rotating-code");
    var label = venue.querySelector("[data-countdown-label]");
    var left = parseInt(venue.getAttribute("data-refresh-in"), 10) || 1;
    function fetchCodes() {
      getJson(api).then(function (shown) {
        shown.codes.forEach(function (code) {
          var box = venue.querySelector('[data-code-svg="' + code.action + '"]');
          if (box) box.innerHTML = code.svg;  // SVG made by our own server from the signed code
        });
        showCounts(venue, shown.counts);
        left = shown.codes.length ? shown.codes[0].refresh_in : 30;
      }).catch(function () { left = 3; });
    }
    setInterval(function () {
      left -= 1;
      if (label) label.textContent = left > 0 ? " " + left + " 秒后更换" : "";
      if (left <= 0) { left = 30; fetchCodes(); }
    }, 1000);
  });

  document.querySelectorAll("[data-live]").forEach(function (element) {
    var api = element.getAttribute("data-live");
    setInterval(function () { getJson(api).then(function (c) { showCounts(element, c); }).catch(function () {}); }, 10000);
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var full = target.closest("[data-fullscreen]");
    if (full) {
      var element = document.getElementById(full.getAttribute("data-fullscreen"));
      if (element && element.requestFullscreen) element.requestFullscreen();
    }
    if (target.closest("[data-print]")) window.print();
  });

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
