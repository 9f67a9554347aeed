// Plaudit NPS widget. No dependencies; renders in an open shadow root; sets no cookie.
(function () {
  "use strict";
  var script = document.currentScript;
  var Plaudit = (window.Plaudit = window.Plaudit || {});
  var scriptBase = script && script.src ? script.src.replace(/\/widget\.js(\?.*)?$/, "") : "";
  var mounted = new WeakSet();

  function category(n) { return n >= 9 ? "promoter" : n >= 7 ? "passive" : "detractor"; }

  // localStorage only: remembers that this visitor answered, written after they interact.
  function storeKey(site) { return "plaudit:" + site; }
  function answeredRecently(site) {
    try {
      var seen = JSON.parse(localStorage.getItem(storeKey(site)) || "null");
      return !!seen && Date.now() - seen.t < seen.days * 864e5;
    } catch (e) { return false; }
  }
  function remember(site, days) {
    try { localStorage.setItem(storeKey(site), JSON.stringify({ t: Date.now(), days: days })); } catch (e) {}
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs) if (attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    if (text != null) node.textContent = text;
    return node;
  }

  function add(parent, tag, attrs, text) { return parent.appendChild(el(tag, attrs, text)); }

  function checkbox(parent, name, text) {
    var label = add(parent, "label", { "class": "check" });
    add(label, "input", { type: "checkbox", name: name });
    add(label, "span", {}, text);
  }

  function call(method, url, body, token) {
    var headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    return fetch(url, { method: method, mode: "cors", credentials: "omit", headers: headers, body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) { data.httpStatus = r.status; throw data; }
          return data;
        });
      });
  }

  function styleShadow(shadow, base, css, color) {
    var accent = /^#[0-9a-fA-F]{6}$/.test(color) ? ":host{--plaudit-accent:" + color + "}" : "";
    // A constructed stylesheet is not an inline style: it works under a CSP without 'unsafe-inline'.
    if (css != null && "adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css + accent);
      shadow.adoptedStyleSheets = [sheet];
    } else {
      add(shadow, "link", { rel: "stylesheet", href: base + "/widget.css" });
    }
  }

  function render(host, opts, config, css) {
    var t = config.texts, base = opts.base, site = opts.site;
    var shadow = host.shadowRoot || host.attachShadow({ mode: "open" });
    styleShadow(shadow, base, css, config.theme && config.theme.color);
    // Built node by node (no innerHTML): every text is set with textContent, never parsed.
    var root = add(shadow, "div", { "class": "plaudit", "data-theme": opts.theme || "auto", lang: config.lang });
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
    var prompt = add(follow, "label", { "for": "why" });
    add(follow, "textarea", { id: "why", name: "why", rows: 3, maxlength: 2000 });
    var consentBox = add(follow, "div", { "class": "consent", hidden: true });
    checkbox(consentBox, "consent", t.consent);
    var named = add(consentBox, "div", { "class": "named", hidden: true });
    add(named, "label", { "for": "dn" }, t.display_name);
    add(named, "input", { id: "dn", name: "display_name", maxlength: 80, autocomplete: "name" });
    add(named, "label", { "for": "role" }, t.role);
    add(named, "input", { id: "role", name: "role", maxlength: 120, autocomplete: "organization-title" });
    var contactBox = add(follow, "div", { "class": "contact", hidden: true });
    checkbox(contactBox, "contact_ok", t.contact_opt_in);
    var mail = add(contactBox, "div", { hidden: true });
    add(mail, "label", { "for": "em" }, t.email);
    add(mail, "input", { id: "em", type: "email", name: "email", maxlength: 254, autocomplete: "email" });
    var actions = add(follow, "div", { "class": "actions" });
    add(actions, "button", { type: "submit" }, t.send);
    var skip = add(actions, "button", { type: "button", "class": "skip" }, t.skip);
    var status = add(form, "p", { "class": "status", role: "alert" });
    var live = add(form, "p", { "class": "sr", role: "status", "aria-live": "polite" });
    var thanks = add(root, "div", { "class": "thanks", hidden: true, tabindex: "-1" });
    // Shown: one cookie-free count for the response rate (text/plain needs no preflight).
    fetch(base + "/api/v1/sites/" + encodeURIComponent(site) + "/views", {
      method: "POST", mode: "cors", credentials: "omit", keepalive: true,
      headers: { "Content-Type": "text/plain" }, body: JSON.stringify(opts.touchpoint ? { touchpoint: opts.touchpoint } : {})
    }).catch(function () {});

    var state = { score: null, sent: null, id: null, token: null, busy: false, retry: 0, timer: null, done: false };
    var fields = form.elements;

    function context() {
      var body = { score: state.score, page_url: location.href };
      if (config.lang) body.lang = config.lang;
      if (opts.touchpoint) body.touchpoint = opts.touchpoint;
      if (opts.respondent) body.respondent = opts.respondent;
      if (opts.respondentHash) body.respondent_hash = opts.respondentHash;
      if (opts.attributes && Object.keys(opts.attributes).length) body.attributes = opts.attributes;
      return body;
    }

    function offline() {
      status.textContent = t.offline;
      state.retry = Math.min((state.retry || 1) * 2, 30);
      clearTimeout(state.timer);
      state.timer = setTimeout(sync, state.retry * 1000);
    }

    function failed(err) {
      state.busy = false;
      if (err && err.httpStatus && err.httpStatus < 500 && err.httpStatus != 429) {
        state.pendingFinal = null;
        status.textContent = t.error;
        // The consent text changed after it was shown: show the new one and ask again.
        if (err.httpStatus == 409 && (err.errors || {}).consent_version) {
          fetch(base + "/api/v1/sites/" + encodeURIComponent(site) + "/config?lang=" + config.lang, { credentials: "omit" })
            .then(function (r) { return r.json(); }).then(function (c) {
              config.consent_version = c.consent_version;
              consentBox.querySelector("span").textContent = c.texts.consent;
              fields.consent.checked = false;
              status.textContent = t.consent_changed;
              fields.consent.focus();
            });
        }
        return;
      }
      offline();
    }

    // One request at a time: the first choice creates the answer, later changes (arrow keys)
    // update the same answer, and the final "Send" completes it. Failures keep everything and retry.
    function sync() {
      if (state.busy || state.score === null) return;
      var url, method, body;
      if (!state.id) {
        method = "POST"; url = base + "/api/v1/sites/" + encodeURIComponent(site) + "/responses"; body = context();
      } else if (state.pendingFinal) {
        method = "PATCH"; url = base + "/api/v1/responses/" + state.id; body = state.pendingFinal;
      } else if (state.score !== state.sent) {
        method = "PATCH"; url = base + "/api/v1/responses/" + state.id; body = { score: state.score };
      } else return;
      state.busy = true;
      call(method, url, body, state.token).then(function (data) {
        state.busy = false;
        state.retry = 0;
        if (status.textContent == t.offline) status.textContent = "";
        if (data.token) { state.id = data.id; state.token = data.token; remember(site, config.resurvey_days); }
        state.sent = body.score != null ? body.score : state.sent;
        if (body === state.pendingFinal) { state.pendingFinal = null; showThanks(data.withdraw_url); }
        sync();
      }, failed);
    }

    function showFollowUp() {
      var cat = category(state.score);
      prompt.textContent = t["prompt_" + cat];
      consentBox.hidden = !(config.consent_scope == "everyone" || cat == "promoter");
      contactBox.hidden = cat == "promoter";
      follow.hidden = false;
      live.textContent = t.selected.replace("{n}", state.score) + " " + prompt.textContent;
    }

    function link(url, text) {
      if (/^https?:\/\//.test(url)) add(add(thanks, "p"), "a", { href: url, target: "_blank", rel: "noopener" }, text);
    }

    function showThanks(withdrawUrl) {
      if (state.done) return;
      state.done = true;
      var cat = category(state.score);
      add(thanks, "p", {}, t["thanks_" + cat]);
      var cta = config.cta && config.cta[cat];
      if (cta) link(cta.url, cta.label);
      // The respondent's private page: add a photo, or take the consented words back.
      if (withdrawUrl) {
        link(withdrawUrl + "#photo", t.add_photo);
        link(withdrawUrl, t.withdraw);
      }
      form.hidden = true;
      thanks.hidden = false;
      thanks.focus();
    }

    form.addEventListener("change", function (e) {
      var name = e.target.name;
      if (name == "score") {
        state.score = +e.target.value;
        showFollowUp();
        clearTimeout(state.debounce);
        // The first choice is saved at once; moving along the scale is saved when it settles.
        if (!state.id && !state.busy) sync();
        else state.debounce = setTimeout(sync, 400);
      } else if (name == "consent") named.hidden = !e.target.checked;
      else if (name == "contact_ok") mail.hidden = !e.target.checked;
    });

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var final = { score: state.score, why: fields.why.value };
      if (!consentBox.hidden) {
        final.consent = fields.consent.checked;
        if (final.consent && !final.why.trim()) {
          status.textContent = t.need_words;
          return fields.why.focus();
        }
        if (final.consent) {
          final.display_name = fields.display_name.value; final.role = fields.role.value;
          final.consent_version = config.consent_version; // the version of the text shown
        }
      }
      if (!contactBox.hidden && fields.contact_ok.checked && fields.email.value) final.email = fields.email.value;
      state.pendingFinal = final;
      status.textContent = "";
      sync();
    });

    skip.addEventListener("click", function () { showThanks(); });
    window.addEventListener("online", sync);
  }

  function mount(host, options) {
    var opts = {};
    for (var k in options) opts[k] = options[k];
    opts.base = (opts.base || scriptBase).replace(/\/$/, "");
    if (!host || !opts.site || mounted.has(host) || answeredRecently(opts.site)) return;
    mounted.add(host);
    var lang = opts.lang || (document.documentElement.lang || "").slice(0, 2).toLowerCase();
    var q = /^(en|fr)$/.test(lang) ? "?lang=" + lang : "";
    var get = function (url) { return fetch(url, { mode: "cors", credentials: "omit" }); };
    Promise.all([
      get(opts.base + "/api/v1/sites/" + encodeURIComponent(opts.site) + "/config" + q).then(function (r) {
        if (!r.ok) throw new Error("Plaudit: this page may not show site " + opts.site + " (" + r.status + ")");
        return r.json();
      }),
      get(opts.base + "/widget.css").then(function (r) { return r.ok ? r.text() : null; }, function () { return null; })
    ]).then(function (loaded) { render(host, opts, loaded[0], loaded[1]); }, function (err) {
      mounted.delete(host);
      if (window.console) console.warn(err.message || err);
    });
  }

  function fromScript(tag) {
    var d = tag.dataset, attributes = {};
    for (var i = 0; i < tag.attributes.length; i++) {
      var a = tag.attributes[i];
      if (a.name.indexOf("data-attr-") === 0) attributes[a.name.slice(10)] = a.value;
    }
    var host = d.target ? document.querySelector(d.target) : null;
    if (!host) {
      host = document.createElement("div");
      tag.parentNode.insertBefore(host, tag.nextSibling);
    }
    mount(host, { site: d.site, lang: d.lang, touchpoint: d.touchpoint, respondent: d.respondent, respondentHash: d.respondentHash, attributes: attributes, theme: d.theme });
  }

  Plaudit.mount = mount;
  if (script && script.dataset.site && !script.hasAttribute("data-plaudit-mounted")) {
    script.setAttribute("data-plaudit-mounted", "");
    // A data-target further down the page may not be parsed yet when an async script runs.
    if (script.dataset.target && document.readyState == "loading") {
      document.addEventListener("DOMContentLoaded", function () { fromScript(script); });
    } else fromScript(script);
  }
})();
