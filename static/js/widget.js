// Plaudit NPS widget. No dependencies; renders in an open shadow root; sets no cookie.
(function () {
  "use strict";
  var doc = document, script = doc.currentScript;
  var Plaudit = (window.Plaudit = window.Plaudit || {});
  var scriptBase = script && script.src ? script.src.replace(/\/widget\.js(\?.*)?$/, "") : "";
  var mounted = new WeakSet();
  var warn = function (text) { console.warn("Plaudit: " + text); };

  // Web storage, never a cookie. localStorage remembers that this visitor finished or skipped
  // the survey; sessionStorage keeps an unfinished answer for this tab, so a reload resumes it.
  function stored(store, key, value) {
    try {
      if (value === undefined) return JSON.parse(window[store].getItem(key) || "null");
      if (value === null) window[store].removeItem(key);
      else window[store].setItem(key, JSON.stringify(value));
    } catch (e) {}
  }

  function el(tag, attrs, text) {
    var node = doc.createElement(tag);
    for (var k in attrs) if (attrs[k] !== false) node.setAttribute(k, attrs[k]); // hidden="true" is hidden
    if (text != null) node.textContent = text;
    return node;
  }

  function add(parent, tag, attrs, text) { return parent.appendChild(el(tag, attrs, text)); }

  function checkbox(parent, name, text) {
    var label = add(parent, "label", { "class": "check" });
    add(label, "input", { type: "checkbox", name: name });
    add(label, "span", {}, text);
  }

  // A text the visitor types: dir="auto", so Arabic or Hebrew reads right to left.
  function field(parent, id, name, label, attrs) {
    add(parent, "label", { "for": id }, label);
    attrs.id = id;
    attrs.name = name;
    attrs.dir = "auto";
    return add(parent, attrs.rows ? "textarea" : "input", attrs);
  }

  // Cookie-free calls; text/plain (the view count) needs no preflight. "no-cache": the config
  // reloaded after a 409 revalidates, never the browser's copy of the text that was refused.
  function call(method, url, body, token, plain) {
    var headers = { "Content-Type": plain ? "text/plain" : "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(url, { method: method, mode: "cors", credentials: "omit", cache: "no-cache", keepalive: plain, headers: headers, body: JSON.stringify(body) })
      .then(answer);
  }

  // The server says what is wrong (origin, key, a field) in a body every page may read.
  function answer(r) {
    return r.json().catch(function () { return {}; }).then(function (data) {
      if (!r.ok) { data.httpStatus = r.status; throw data; }
      return data;
    });
  }

  // A constructed stylesheet is not an inline style: it works under a CSP without 'unsafe-inline'.
  // (A browser without them, before 2023, shows the native, unstyled controls.)
  function styleShadow(shadow, css, color) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css + (/^#[0-9a-fA-F]{6}$/.test(color) ? ":host{--plaudit-accent:" + color + "}" : ""));
    shadow.adoptedStyleSheets = [sheet];
  }

  function render(host, opts, config, css) {
    var t = config.texts, base = opts.base, site = opts.site, api = base + "/api/v1/";
    var siteApi = api + "sites/" + encodeURIComponent(site);
    var mark = "plaudit:" + site; // the answered mark (localStorage) and the draft (sessionStorage)
    var shadow = host.shadowRoot || host.attachShadow({ mode: "open" });
    styleShadow(shadow, css, config.theme && config.theme.color);
    // Built node by node (no innerHTML): every text is set with textContent, never parsed.
    // Laid out in the texts' direction (dir="rtl" in Arabic): the CSS mirrors with it.
    var root = add(shadow, "div", { "class": "plaudit", "data-theme": opts.theme || "auto", lang: config.lang, dir: config.dir });
    var form = add(root, "form", { novalidate: true });
    var group = add(form, "fieldset", { role: "radiogroup", "aria-labelledby": "q", "aria-describedby": "ends" });
    add(group, "legend", { id: "q" }, t.question);
    var scale = add(group, "div", { "class": "scale" });
    for (var n = 0; n <= 10; n++) {
      var label = add(scale, "label", { "class": "pt" });
      add(label, "input", { type: "radio", name: "score", value: n, "aria-label": t.radio_label.replace("{n}", n) });
      add(label, "span", { "aria-hidden": "true" }, n);
    }
    var ends = add(group, "div", { "class": "ends", id: "ends" });
    add(ends, "span", {}, t.scale_low);
    add(ends, "span", {}, t.scale_high);

    var follow = add(form, "div", { "class": "follow", hidden: true });
    var prompt = field(follow, "why", "why", "", { rows: 3, maxlength: 2000 }).previousSibling;
    var consentBox = add(follow, "div", { "class": "consent", hidden: true });
    checkbox(consentBox, "consent", t.consent);
    var named = add(consentBox, "div", { "class": "named", hidden: true });
    field(named, "dn", "display_name", t.display_name, { maxlength: 80, autocomplete: "name" });
    // Publishing without a name is a choice the visitor makes, never what an empty box means.
    checkbox(named, "anonymous", t.anonymous);
    field(named, "role", "role", t.role, { maxlength: 120, autocomplete: "organization-title" });
    var contactBox = add(follow, "div", { "class": "contact", hidden: true });
    checkbox(contactBox, "contact_ok", t.contact_opt_in);
    var mail = add(contactBox, "div", { hidden: true });
    field(mail, "em", "email", t.email, { type: "email", maxlength: 254, autocomplete: "email" });
    var actions = add(follow, "div", { "class": "actions" });
    add(actions, "button", { type: "submit" }, t.send);
    var skip = add(actions, "button", { type: "button", "class": "skip" }, t.skip);
    var status = add(form, "p", { "class": "status", role: "alert" });
    var live = add(form, "p", { "class": "sr", role: "status" }); // polite, as every status
    var thanks = add(root, "div", { "class": "thanks", hidden: true, tabindex: "-1" });
    var say = function (text) { status.textContent = text; };

    // One count for the response rate, once the visitor can actually see the survey.
    var seen = new IntersectionObserver(function (entries) {
      if (entries.pop().isIntersecting) {
        seen.disconnect();
        call("POST", siteApi + "/views", { touchpoint: opts.touchpoint || undefined, invitation: opts.invitation }, 0, true).catch(Object);
      }
    });

    // The answer: its score, the score the server has (sent), its id and token. Kept as a draft.
    // The back office's preview (static/js/preview.js) is busy for ever: it sends nothing.
    var state = { score: null }, busy = opts.preview, retry, timer, debounce, done, pendingFinal;
    busy || seen.observe(root);
    var fields = form.elements;

    // The unfinished answer, kept for this tab only: what was typed, and the answer it completes.
    function keep() {
      if (done) return;
      var draft = { score: state.score, sent: state.sent, id: state.id, token: state.token, f: {} };
      [].forEach.call(fields, function (f) { if (f.name && f.type != "radio") draft.f[f.name] = f.type == "checkbox" ? f.checked : f.value; });
      stored("sessionStorage", mark, draft);
    }

    // What is not given stays undefined, which JSON leaves out.
    function context() {
      var a = opts.attributes;
      return {
        score: state.score, page_url: location.href, lang: config.lang, touchpoint: opts.touchpoint || undefined,
        respondent: opts.respondent || undefined, respondent_hash: opts.respondentHash || undefined,
        attributes: a && Object.keys(a).length ? a : undefined, invitation: opts.invitation
      };
    }

    function offline() {
      say(t.offline);
      retry = Math.min((retry || 1) * 2, 30);
      clearTimeout(timer);
      timer = setTimeout(sync, retry * 1000);
    }

    function failed(err) {
      busy = false;
      if (err.httpStatus < 500 && err.httpStatus != 429) {
        pendingFinal = null;
        var errors = err.errors || {}, bad = fields[Object.keys(errors)[0]];
        // The consent text changed after it was shown: show the new one and ask again.
        if (errors.consent_version) {
          return call("GET", siteApi + "/config?lang=" + config.lang).then(function (c) {
            config.consent_version = c.consent_version;
            consentBox.querySelector("span").textContent = c.texts.consent;
            fields.consent.checked = false;
            say(t.consent_changed);
            fields.consent.focus();
          }, Object);
        }
        // Name the field the server refused (its label), and take the visitor there; consenting
        // without words has its own words.
        say(errors.why ? t.need_words : bad && bad.labels ? t.check_field.replace("{field}", bad.labels[0].textContent) : t.error);
        return bad && bad.focus && bad.focus();
      }
      offline();
    }

    // One request at a time: the first choice creates the answer, later changes (arrow keys)
    // update the same answer, and the final "Send" completes it. Failures keep everything and retry.
    function sync() {
      if (busy || state.score === null) return;
      var url = api + "responses/" + state.id, method = "PATCH", body = pendingFinal;
      if (!state.id) {
        method = "POST"; url = siteApi + "/responses"; body = context();
      } else if (!body) {
        if (state.score === state.sent) return;
        body = { score: state.score };
      }
      busy = true;
      call(method, url, body, state.token).then(function (data) {
        busy = false;
        retry = 0;
        if (status.textContent == t.offline) say("");
        if (data.token) { state.id = data.id; state.token = data.token; }
        state.sent = body.score; // every body carries the score
        // The answer's own follow-up is the server's last word (settings may have changed since
        // the config loaded): it replaces the config's for its category, on screen too.
        config.follow_up[data.category] = data.follow_up;
        showFollowUp(1);
        keep();
        if (body === pendingFinal) { pendingFinal = null; showThanks(data.withdraw_url); }
        sync();
      }, failed);
    }

    // What follows a score, as the server says: the category it counts as and its follow-up
    // come with the config, so they show at once, even offline.
    function followUp() { return config.follow_up[config.categories[state.score]]; }

    function showFollowUp(quietly) {
      var f = followUp();
      prompt.textContent = f.prompt;
      consentBox.hidden = !f.ask_consent;
      contactBox.hidden = !f.ask_contact;
      follow.hidden = false;
      if (!quietly) live.textContent = t.selected.replace("{n}", state.score) + " " + f.prompt;
    }

    function link(url, text) {
      if (/^https?:\/\//.test(url)) add(add(thanks, "p"), "a", { href: url, target: "_blank", rel: "noopener" }, text);
    }

    function showThanks(withdrawUrl) {
      if (done) return;
      done = true;
      // Finished or skipped: not asked again for the resurvey interval; the draft has served.
      stored("localStorage", mark, { t: Date.now(), days: config.resurvey_days });
      stored("sessionStorage", mark, null);
      var f = followUp();
      add(thanks, "p", {}, f.thanks);
      if (f.cta) link(f.cta.url, f.cta.label);
      // The respondent's private page: add a photo, or take the consented words back.
      if (withdrawUrl) {
        link(withdrawUrl + "#photo", t.add_photo);
        link(withdrawUrl, t.withdraw);
      }
      form.hidden = true;
      thanks.hidden = false;
      thanks.focus();
    }

    function toggled() {
      named.hidden = !fields.consent.checked;
      mail.hidden = !fields.contact_ok.checked;
    }

    form.addEventListener("change", function (e) {
      if (e.target.name == "score") {
        state.score = +e.target.value;
        showFollowUp();
        clearTimeout(debounce);
        // The first choice is saved at once; moving along the scale is saved when it settles.
        if (!state.id && !busy) sync();
        else debounce = setTimeout(sync, 400);
      }
      toggled();
      keep();
    });
    form.addEventListener("input", keep);

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var final = { score: state.score, why: fields.why.value }, problem;
      if (!consentBox.hidden) {
        final.consent = fields.consent.checked;
        if (final.consent) {
          final.consent_version = config.consent_version; // the version of the text shown
          final.display_name = fields.anonymous.checked ? "" : fields.display_name.value;
          final.role = fields.role.value;
          // Words are required to consent: the server's rule, refused there (see failed). The name
          // shown with them is asked for once there are words.
          problem = final.why.trim() && !final.display_name.trim() && !fields.anonymous.checked && [t.need_name, "display_name"];
        }
      }
      if (problem) {
        say(problem[0]);
        return fields[problem[1]].focus();
      }
      if (!contactBox.hidden && fields.contact_ok.checked && fields.email.value) final.email = fields.email.value;
      pendingFinal = final;
      say("");
      sync();
    });

    skip.addEventListener("click", function () { showThanks(); });
    window.addEventListener("online", sync);

    // A reload mid-answer: the same answer, as the visitor left it.
    var draft = stored("sessionStorage", mark);
    if (draft && draft.score != null) {
      for (var k in draft) state[k] = draft[k];
      fields.score[draft.score].checked = true;
      for (k in draft.f) fields[k][fields[k].type == "checkbox" ? "checked" : "value"] = draft.f[k];
      showFollowUp();
      toggled();
      sync();
    }
  }

  function mount(host, options) {
    var opts = Object.assign({}, options), seen;
    opts.base = (opts.base || scriptBase).replace(/\/$/, "");
    // Not asked again while the mark of a finished or skipped survey lasts.
    if (!host || !opts.site || mounted.has(host) || (seen = stored("localStorage", "plaudit:" + opts.site)) && Date.now() - seen.t < seen.days * 864e5) return;
    mounted.add(host);
    // A BCP 47 tag (fr-CA, pt-BR): the server answers in the nearest language it has.
    var lang = encodeURIComponent(opts.lang || doc.documentElement.lang);
    var get = function (url) { return fetch(url, { mode: "cors", credentials: "omit" }); };
    // A preview brings its own config. The touchpoint picks its question; it goes unencoded (bytes):
    // a valid label (letters, digits, space, _ . : / -) is safe in a query as it is.
    Promise.all([
      opts.config || get(opts.base + "/api/v1/sites/" + encodeURIComponent(opts.site) + "/config?lang=" + lang + "&touchpoint=" + (opts.touchpoint || "")).then(answer),
      get(opts.base + "/widget.css").then(function (r) { return r.text(); })
    ]).then(function (loaded) { render(host, opts, loaded[0], loaded[1]); }, function (err) {
      mounted.delete(host);
      warn(err.message + (err.httpStatus ? " (HTTP " + err.httpStatus + ", site " + opts.site + ")" : ""));
    });
  }

  function fromScript(tag) {
    var d = tag.dataset, attributes = {};
    [].forEach.call(tag.attributes, function (a) {
      if (a.name.indexOf("data-attr-") === 0) attributes[a.name.slice(10)] = a.value;
    });
    var host = d.target ? doc.querySelector(d.target) : null;
    if (!host) {
      host = doc.createElement("div");
      // Nothing in <head> is ever shown: the survey goes at the end of the page instead.
      if (doc.head.contains(tag)) {
        warn("moved from <head> to the end of <body>");
        doc.body.appendChild(host);
      } else tag.parentNode.insertBefore(host, tag.nextSibling);
    }
    mount(host, { site: d.site, lang: d.lang, touchpoint: d.touchpoint, respondent: d.respondent, respondentHash: d.respondentHash, attributes: attributes, theme: d.theme });
  }

  Plaudit.mount = mount;
  if (script && script.dataset.site && !script.hasAttribute("data-plaudit-mounted")) {
    script.setAttribute("data-plaudit-mounted", "");
    // A data-target further down the page, or the <body> itself, may not be parsed yet when an
    // async script runs.
    if ((script.dataset.target || !doc.body) && doc.readyState == "loading") {
      doc.addEventListener("DOMContentLoaded", function () { fromScript(script); });
    } else fromScript(script);
  }
})();
