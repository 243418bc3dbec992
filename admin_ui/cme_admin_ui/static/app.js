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
     data-person-select        the kit's multi-select picker (kit/person_select.html): 加入已选 and 移出
                               move people between its lists in the page, 快速添加 finds people as one types
     data-depends-on="name"    a select that offers only the optgroup labelled with the value of the form's
                               select "name" (三级学科 of the chosen 二级学科)
     data-preview="api url"    the guided credit form: computes the credits of the inputs named in
                               data-preview-inputs as they change and shows them with the explanation
   and every select of LONG_SELECT options or more gets a box above it that narrows its options to those
   containing the text typed (long lists of units, departments and disciplines, on a phone too). */
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

  // Options are taken out of a select rather than hidden: phone browsers ignore hidden options and groups.
  var LONG_SELECT = 20;
  var selectCount = 0;
  function narrowable(select) {
    var nodes = Array.prototype.slice.call(select.children);
    var groups = nodes.filter(function (n) { return n.tagName === "OPTGROUP"; }).map(function (group) {
      return {group: group, options: Array.prototype.slice.call(group.children)};
    });
    var dependsOn = select.getAttribute("data-depends-on");
    var parent = dependsOn && select.form ? select.form.elements[dependsOn] : null;
    var text = "";
    var box = null;
    function inGroup(group) { return !parent || group.label === parent.value; }
    function refill() {
      var chosen = select.value;
      var offered = 0;
      function keep(option) {
        offered += 1;
        return !text || option.value === "" || option.value === chosen ||
          option.textContent.toLowerCase().indexOf(text) >= 0;
      }
      while (select.firstChild) select.removeChild(select.firstChild);
      nodes.forEach(function (node) {
        if (node.tagName !== "OPTGROUP") { if (keep(node)) select.appendChild(node); return; }
        var entry = groups.filter(function (g) { return g.group === node; })[0];
        if (!inGroup(node)) return;
        while (node.firstChild) node.removeChild(node.firstChild);
        entry.options.forEach(function (option) { if (keep(option)) node.appendChild(option); });
        if (node.firstChild) select.appendChild(node);
      });
      select.value = chosen;
      if (select.value !== chosen) select.value = "";
      if (box) box.hidden = offered < LONG_SELECT;
    }
    if (select.options.length >= LONG_SELECT) {
      box = document.createElement("input");
      box.type = "search";
      box.className = "select-filter";
      box.placeholder = "输入文字筛选选项";
      var label = select.closest("label");
      box.setAttribute("aria-label", "筛选" + (select.getAttribute("aria-label") ||
        (label ? label.firstChild.textContent.trim() : "")));
      if (label) {
        // The label keeps naming the select, not the box that now comes first inside it.
        if (!select.id) select.id = "select-" + (++selectCount);
        label.htmlFor = select.id;
      }
      select.parentNode.insertBefore(box, select);
      box.addEventListener("input", function () { text = box.value.trim().toLowerCase(); refill(); });
      box.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") return;
        event.preventDefault();  // not the form's submission: take the only match, if there is one
        var matches = Array.prototype.filter.call(select.options, function (o) { return o.value !== ""; });
        if (matches.length === 1) {
          select.value = matches[0].value;
          select.dispatchEvent(new Event("change", {bubbles: true}));
        }
      });
    }
    if (parent) parent.addEventListener("change", refill);
    refill();
  }
  document.querySelectorAll("select:not([multiple])").forEach(function (select) {
    if (select.hasAttribute("data-depends-on") || select.options.length >= LONG_SELECT) narrowable(select);
  });

  var csrf = document.querySelector("meta[name=csrf-token]");
  function csrfHeader() { return csrf ? csrf.content : ""; }

  function describe(person) {
    return person.name + "（" + person.person_number + "）" + person.institution_name +
      (person.department_name ? " " + person.department_name : "");
  }

  // Finds people within the administrator's reach as he types into field (apis: the element carrying
  // data-api and data-token-api), lists them in results and calls choose(person) for the one he picks.
  function personFinder(field, status, results, apis, choose) {
    var api = apis.getAttribute("data-api");
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
      // Person and card numbers match whole.
      if (/^\d{11,}/.test(value) && !(/^\d{17}[\dXx]$/.test(value) || (finished && /^\d{15}$/.test(value)))) {
        return Promise.resolve({ok: false, json: {message: "请输入完整的证件号码"}});
      }
      if (/^(\d{17}[\dXx]|\d{15})$/.test(value)) {
        return getJson(apis.getAttribute("data-token-api"), {
          method: "POST",
          headers: {"Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfHeader()},
          body: JSON.stringify({q_field: "id_number", q: value})
        }).then(function (a) {
          if (!a.ok) return a;
          return getJson(api + "?page_size=10&q_field=id_number&q=" + encodeURIComponent(a.json.q));
        });
      }
      var fieldName = /^[0-9A-Za-z]+$/.test(value) ? "number" : "name";
      return getJson(api + "?page_size=10&q_field=" + fieldName + "&q=" + encodeURIComponent(value));
    }
    function pick(person) {
      // Leaving the field for the list fires its change event first: drop that search's late answer.
      clearTimeout(timer);
      asked += 1;
      results.hidden = true;
      results.textContent = "";
      choose(person);
      chosen = field.value;
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
        button.textContent = describe(person) + " " + person.id_masked;
        button.addEventListener("click", function () { pick(person); });
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
    field.addEventListener("keydown", function (event) { if (event.key === "Enter") event.preventDefault(); });
  }

  document.querySelectorAll("[data-person-picker]").forEach(function (picker) {
    var field = picker.querySelector("input");
    var status = picker.querySelector(".picker-status");
    personFinder(field, status, picker.querySelector(".picker-results"), picker, function (person) {
      field.value = person.person_number;
      status.textContent = "已选：" + describe(person);
    });
  });

  document.querySelectorAll("[data-person-select]").forEach(function (picker) {
    var inputs = picker.querySelector("[data-selected-inputs]");
    var candidates = picker.querySelector("[data-candidates]");
    var selected = picker.querySelector("[data-selected]");
    var count = picker.querySelector("[data-selected-count]");
    var candidateCount = picker.querySelector("[data-candidate-count]");
    var finder = picker.querySelector("[data-person-find]");
    var field = finder.querySelector("input");
    var status = finder.querySelector(".picker-status");
    var limit = parseInt(picker.getAttribute("data-limit"), 10);
    function has(id) { return !!inputs.querySelector("input[value='" + id + "']"); }
    function refresh() {
      count.textContent = inputs.children.length;
      candidateCount.textContent = candidates.querySelectorAll("input[name=pick]").length;
      [candidates, selected].forEach(function (list) {
        list.querySelector("[data-empty]").hidden = !!list.querySelector("input[name=pick], input[name=drop]");
      });
      picker.querySelectorAll("[data-check-all]").forEach(function (all) { all.checked = false; });
    }
    function select(label) {
      var box = label.querySelector("input");
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "selected";
      hidden.value = box.value;
      inputs.appendChild(hidden);
      box.checked = false;
      box.name = "drop";
      selected.appendChild(label);
    }
    function room(wanted) {
      if (inputs.children.length + wanted <= limit) return true;
      status.textContent = "最多选择 " + limit + " 人，还可加入 " + (limit - inputs.children.length) + " 人";
      return false;
    }
    function person(found) {
      var label = document.createElement("label");
      label.className = "check";
      label.setAttribute("data-found", "");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.value = found.id;
      var number = document.createElement("span");
      number.setAttribute("translate", "no");
      number.textContent = "[" + found.person_number + "]";
      label.append(box, " ", number, found.name);
      if (found.department_name) {
        var department = document.createElement("small");
        department.className = "muted";
        department.textContent = found.department_name;
        label.append(" ", department);
      }
      return label;
    }
    finder.hidden = false;
    personFinder(field, status, finder.querySelector(".picker-results"), picker, function (found) {
      field.value = "";
      if (has(found.id)) { status.textContent = found.name + " 已在已选人员中"; return; }
      if (!room(1)) return;
      var listed = candidates.querySelector("input[name=pick][value='" + found.id + "']");
      select(listed ? listed.closest("label") : person(found));
      status.textContent = "已加入：" + describe(found);
      refresh();
    });
    picker.addEventListener("click", function (event) {
      var button = event.target instanceof Element ? event.target.closest("button[name=action]") : null;
      if (!button || (button.value !== "add" && button.value !== "remove")) return;
      event.preventDefault();
      if (button.value === "add") {
        var picked = candidates.querySelectorAll("input[name=pick]:checked");
        if (!picked.length) { status.textContent = "请先勾选待选人员"; return; }
        if (!room(picked.length)) return;
        picked.forEach(function (box) { select(box.closest("label")); });
        status.textContent = "已加入 " + picked.length + " 人";
      } else {
        var dropped = selected.querySelectorAll("input[name=drop]:checked");
        if (!dropped.length) { status.textContent = "请先勾选要移出的已选人员"; return; }
        dropped.forEach(function (box) {
          inputs.querySelector("input[value='" + box.value + "']").remove();
          var label = box.closest("label");
          if (label.hasAttribute("data-found")) { label.remove(); return; }
          box.checked = false;
          box.name = "pick";
          candidates.appendChild(label);
        });
        status.textContent = "已移出 " + dropped.length + " 人";
      }
      refresh();
    });
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
