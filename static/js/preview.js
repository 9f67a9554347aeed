// The settings page's live preview: the real widget (widget.js, through Plaudit.mount), given
// the site's config as visitors get it with the texts of the form on the page over it, and
// walked to the step the owner picks by the widget's own controls. A preview mount is "busy for
// ever" (widget.js): it never sends an answer nor counts a view. Loaded only by the back office,
// so none of this weighs on visitors. A file, not inline: the back office's strict CSP holds.
(function () {
  "use strict";
  var panel = document.getElementById("preview");
  var form = document.getElementById("texts-form");
  if (!panel || !form || !window.Plaudit) return;
  var stage = document.getElementById("preview-stage");
  var step = document.getElementById("preview-step");
  var language = document.getElementById("preview-lang");
  var touchpoint = document.getElementById("preview-touchpoint");
  var fields = form.elements, editing = panel.dataset.lang, name = panel.dataset.name;
  // A key no site has (site keys are 16 random characters): the answered mark and the draft the
  // widget keeps in web storage stay the preview's own, and a real survey on this origin (the
  // demo page) is never marked as answered by a preview.
  var KEY = "preview";
  var configs = {}, shown = 0, timer;

  function config(lang, tp) {
    var url = panel.dataset.config + "?lang=" + encodeURIComponent(lang) + "&touchpoint=" + encodeURIComponent(tp);
    // "no-cache": revalidated (its ETag), so texts saved a moment ago never show their old words.
    return configs[url] || (configs[url] = fetch(url, { credentials: "omit", cache: "no-cache" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }));
  }

  // What a box means as it stands: its words with the site's name in them, or, empty, its
  // default (the placeholder), as core/owner_texts.py stores and serves it.
  function typed(field) {
    var value = field.value.trim();
    return value ? value.split("{name}").join(name) : field.placeholder;
  }

  function rows() {
    var found = [];
    for (var i = 0; fields["touchpoints-" + i + "-touchpoint"]; i++) {
      found.push([fields["touchpoints-" + i + "-touchpoint"].value.trim(), fields["touchpoints-" + i + "-question"]]);
    }
    return found.filter(function (row) { return row[0]; });
  }

  // The form's texts over the saved config of the language being edited.
  function unsaved(saved, tp) {
    var c = JSON.parse(JSON.stringify(saved)), t = c.texts;
    for (var key in t) if (fields[key] && fields[key].placeholder) t[key] = typed(fields[key]);
    rows().forEach(function (row) { if (row[0] == tp && row[1].value.trim()) t.question = typed(row[1]); });
    c.cta = {};
    [].forEach.call(form.querySelectorAll("input[name^=link_]"), function (link) {
      var category = link.name.slice(5);
      if (/^https?:\/\//.test(link.value.trim())) c.cta[category] = { url: link.value.trim(), label: typed(fields["cta_" + category]) };
    });
    return c;
  }

  function touchpoints() {
    var chosen = touchpoint.value;
    var labels = rows().map(function (row) { return row[0]; });
    [].slice.call(touchpoint.options, 1).forEach(function (option) { option.remove(); });
    labels.filter(function (label, i) { return labels.indexOf(label) == i; }).forEach(function (label) {
      touchpoint.add(new Option(label, label, false, label == chosen));
    });
  }

  // Walk the mounted widget to the step: pick the score as a visitor would (its change event),
  // then, for a thank-you, skip as a visitor may.
  function walk(root, option) {
    if (option.value == "scale") return;
    var radio = root.querySelector('input[name=score][value="' + option.dataset.score + '"]');
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    if (option.value == "thanks") root.querySelector("button.skip").click();
  }

  function rendered(host, then) {
    if (host.shadowRoot && host.shadowRoot.querySelector("form")) then(host.shadowRoot);
    else requestAnimationFrame(function () { rendered(host, then); });
  }

  function show() {
    var lang = language.value, tp = touchpoint.value, option = step.selectedOptions[0], ticket = ++shown;
    var theme = panel.querySelector("input[name=preview-theme]:checked").value;
    config(lang, tp).then(function (saved) {
      if (ticket != shown) return; // a later choice is on its way
      try {
        localStorage.removeItem("plaudit:" + KEY);
        sessionStorage.removeItem("plaudit:" + KEY);
      } catch (e) {}
      var host = document.createElement("div");
      window.Plaudit.mount(host, { site: KEY, lang: lang, theme: theme, preview: true, config: lang == editing ? unsaved(saved, tp) : saved });
      // Walked while off the page, so that the widget's focus moves never take the owner's.
      rendered(host, function (root) {
        if (ticket != shown) return;
        walk(root, option);
        stage.dataset.theme = theme;
        stage.replaceChildren(host);
      });
    }, function (err) { stage.textContent = err.message; });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(function () { touchpoints(); show(); }, 250);
  }

  form.addEventListener("input", soon);
  panel.addEventListener("change", show);
  panel.hidden = false;
  touchpoints();
  show();
})();
