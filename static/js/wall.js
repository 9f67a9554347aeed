// Plaudit testimonial wall. No dependencies; renders in an open shadow root; sets no cookie.
// Layouts: grid (masonry), carousel (pause, keyboard, announced slides), single (one quote).
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script && script.src ? script.src.replace(/\/wall\.js(\?.*)?$/, "") : "";
  var still = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs) if (attrs[k] != null) node.setAttribute(k, attrs[k]);
    if (text != null) node.textContent = text;
    return node;
  }
  function add(parent, tag, attrs, text) { return parent.appendChild(el(tag, attrs, text)); }
  function fill(text, values) { return text.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; }); }

  function style(shadow, css, color) {
    var accent = /^#[0-9a-fA-F]{6}$/.test(color) ? ":host{--pw-accent:" + color + "}" : "";
    // A constructed stylesheet is not an inline style: it works under a CSP without 'unsafe-inline'.
    if (css != null && "adoptedStyleSheets" in Document.prototype) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css + accent);
      shadow.adoptedStyleSheets = [sheet];
    } else add(shadow, "link", { rel: "stylesheet", href: base + "/wall.css" });
  }

  // What visitors wrote carries dir="auto": Arabic or Hebrew reads right to left.
  function card(parent, item, t, tag) {
    var li = add(parent, tag, { "class": "card" + (item.featured ? " featured" : ""), lang: item.lang });
    var fig = add(li, "figure");
    add(fig, "blockquote", { "class": "clamp", dir: "auto" }, item.quote);
    var cap = add(fig, "figcaption");
    if (item.photo_url) add(cap, "img", { src: item.photo_url, alt: "", width: 40, height: 40, loading: "lazy" });
    var who = add(cap, "span");
    add(who, "strong", { dir: "auto" }, item.display_name || t.anonymous);
    if (item.role) add(who, "span", { "class": "role", dir: "auto" }, item.role);
    add(li, "p", { "class": "meta" }, fill(t.score, { score: item.score }) + (item.edited ? " · " + t.edited : ""));
    return li;
  }

  // A long quote shows its first lines; the whole of it is one button away. Measured once the
  // wall is laid out, before it is painted, so nothing moves after it shows.
  function clampLong(root, t) {
    [].forEach.call(root.querySelectorAll(".clamp"), function (quote) {
      if (quote.scrollHeight <= quote.clientHeight + 1) return quote.classList.remove("clamp");
      var more = el("button", { type: "button", "class": "more", "aria-expanded": "false" }, t.more);
      quote.parentNode.insertBefore(more, quote.nextSibling);
      more.addEventListener("click", function () {
        var open = quote.classList.toggle("clamp") == false;
        more.textContent = open ? t.less : t.more;
        more.setAttribute("aria-expanded", open);
      });
    });
  }

  function header(root, data) {
    var t = data.texts, honest = data.honest, head = add(root, "p", { "class": "honest" });
    // Worded by the server; the NPS only once there are enough answers for it to mean something.
    head.textContent = honest.chosen_from + ". " + t.curated + (honest.nps ? " " + honest.nps + "." : "");
    add(head, "span", {}, " · ");
    add(head, "a", { href: data.site.url, target: "_blank", rel: "noopener" }, t.all);
  }

  function rotating(root, data, showArrows) {
    var t = data.texts, items = data.testimonials, index = 0, playing = !still, timer;
    var region = add(root, "section", { "class": "carousel", "aria-roledescription": "carousel", "aria-label": t.title });
    var controls = add(region, "div", { "class": "controls" });
    var position = add(controls, "p", { "class": "position", "aria-hidden": "true" }); // the slides say it too
    var pause = add(controls, "button", { type: "button", "class": "pause" });
    var prev = showArrows && add(controls, "button", { type: "button", "aria-label": t.previous }, "‹");
    var next = showArrows && add(controls, "button", { type: "button", "aria-label": t.next }, "›");
    // Announced when the visitor moves it; silent while it turns by itself.
    var slides = add(region, "div", { "class": "slides", "aria-live": playing ? "off" : "polite" });
    var shown = items.map(function (item, i) {
      var slide = card(slides, item, t, "div");
      slide.setAttribute("role", "group");
      slide.setAttribute("aria-roledescription", "slide");
      slide.setAttribute("aria-label", fill(t.slide, { i: i + 1, n: items.length }));
      return slide;
    });
    function go(i) {
      index = (i + items.length) % items.length;
      // Stacked in one cell, the slides keep the tallest one's height: turning moves nothing.
      shown.forEach(function (s, j) { s.hidden = j != index; });
      position.textContent = fill(t.position, { i: index + 1, n: items.length });
    }
    function tick() { clearInterval(timer); if (playing && items.length > 1) timer = setInterval(function () { go(index + 1); }, 7000); }
    function play(on) {
      playing = on;
      pause.textContent = on ? t.pause : t.play;
      pause.setAttribute("aria-pressed", on ? "false" : "true");
      slides.setAttribute("aria-live", on ? "off" : "polite");
      tick();
    }
    pause.addEventListener("click", function () { play(!playing); });
    if (showArrows) {
      prev.addEventListener("click", function () { go(index - 1); tick(); });
      next.addEventListener("click", function () { go(index + 1); tick(); });
      region.addEventListener("keydown", function (e) {
        // Right to left, the arrow keys mirror as the buttons do: ArrowLeft is the next slide.
        if (e.key == "ArrowLeft" || e.key == "ArrowRight") { go(index + ((e.key == "ArrowLeft") == (data.dir != "rtl") ? -1 : 1)); tick(); e.preventDefault(); }
      });
    }
    // Nothing moves under the pointer or the keyboard focus.
    region.addEventListener("mouseenter", function () { clearInterval(timer); });
    region.addEventListener("mouseleave", tick);
    region.addEventListener("focusin", function () { clearInterval(timer); });
    region.addEventListener("focusout", tick);
    go(0);
    play(playing);
  }

  function render(host, opts, data, css) {
    // Below the owner's minimum of approved testimonials the server sends none: nothing shows.
    if (!data.testimonials.length) return;
    var shadow = host.shadowRoot || host.attachShadow({ mode: "open" });
    style(shadow, css, data.theme.color);
    var layout = /^(grid|carousel|single)$/.test(opts.layout) ? opts.layout : "grid";
    var root = add(shadow, "div", { "class": "pw", "data-theme": opts.theme || "auto", "data-layout": layout, lang: data.lang, dir: data.dir });
    header(root, data);
    if (layout == "grid") {
      var list = add(root, "ul", { "class": "grid" });
      data.testimonials.forEach(function (item) { card(list, item, data.texts, "li"); });
    } else rotating(root, data, layout == "carousel");
    clampLong(root, data.texts);
  }

  function mount(host, opts) {
    if (!host || !opts.site || host.shadowRoot) return;
    base = (opts.base || base).replace(/\/$/, "");
    var q = "?limit=" + (parseInt(opts.limit, 10) || 12);
    if (opts.tag) q += "&tag=" + encodeURIComponent(opts.tag);
    // A BCP 47 tag (fr-CA, pt-BR): the server answers in the nearest language it has.
    var lang = opts.lang || document.documentElement.lang;
    if (lang) q += "&lang=" + encodeURIComponent(lang);
    var get = function (url) { return fetch(url, { mode: "cors", credentials: "omit" }); };
    Promise.all([
      get(base + "/api/v1/sites/" + encodeURIComponent(opts.site) + "/wall" + q).then(function (r) {
        if (!r.ok) throw new Error("Plaudit wall: site " + opts.site + " answered " + r.status);
        return r.json();
      }),
      get(base + "/wall.css").then(function (r) { return r.ok ? r.text() : null; }, function () { return null; })
    ]).then(function (loaded) { render(host, opts, loaded[0], loaded[1]); }, function (err) {
      if (window.console) console.warn(err.message || err);
    });
  }

  (window.Plaudit = window.Plaudit || {}).mountWall = mount;
  if (script && script.dataset.site) {
    var d = script.dataset, host = document.createElement("div");
    script.parentNode.insertBefore(host, script.nextSibling);
    mount(host, { site: d.site, layout: d.layout, limit: d.limit, tag: d.tag, lang: d.lang, theme: d.theme });
  }
})();
