// The hosted survey page (/s/KEY): mounts the site's widget with the link's options, read from
// the page's data- attributes, and chooses the link's score (?score=) once a person has the page
// in front of them. A plain GET of the link records nothing: only this script, run in a browser
// showing the page, chooses the score, and the widget saves it as if the person had tapped it.
(function () {
  "use strict";
  var host = document.getElementById("survey"), attributes = {};
  if (!host) return; // an invitation that can no longer be answered: the page says so
  var d = host.dataset;
  [].forEach.call(host.attributes, function (a) {
    if (a.name.indexOf("data-attr-") === 0) attributes[a.name.slice(10)] = a.value;
  });

  // The widget shows nothing to a visitor who finished or skipped it within the site's resurvey
  // interval (its localStorage mark); here the page would be empty, so it says why.
  // An invitation's link is always answered: a second click on another score changes its answer.
  var mark = null;
  try { mark = JSON.parse(localStorage.getItem("plaudit:" + d.site)); } catch (e) {}
  if (!d.invitation && mark && Date.now() - mark.t < mark.days * 864e5) {
    document.getElementById("answered").hidden = false;
    return;
  }

  // An invitation's link is always answered (a second click on another score changes its one
  // answer): an earlier answer's mark on this origin does not hold the widget back, and the draft
  // of another link (another score, another invitation) does not resume in this tab.
  if (d.invitation) {
    try {
      localStorage.removeItem("plaudit:" + d.site);
      var link = d.invitation + ":" + d.score;
      if (sessionStorage.getItem("plaudit:link") != link) sessionStorage.removeItem("plaudit:" + d.site);
      sessionStorage.setItem("plaudit:link", link);
    } catch (e) {}
  }

  // The widget renders into this shadow root (it takes one that is there): watching it, the
  // page sees the scale appear without polling.
  var shadow = host.attachShadow({ mode: "open" });

  function whenShown(then) {
    if (document.visibilityState == "visible") return then();
    document.addEventListener("visibilitychange", function shown() {
      if (document.visibilityState != "visible") return;
      document.removeEventListener("visibilitychange", shown);
      then();
    });
  }

  if (d.score) {
    new MutationObserver(function (changes, observer) {
      var radio = shadow.querySelector('input[name="score"][value="' + d.score + '"]');
      if (!radio) return;
      observer.disconnect();
      whenShown(function () {
        // A reload resumes the visitor's own answer (the widget's draft): never overridden.
        if (shadow.querySelector('input[name="score"]:checked')) return;
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
        radio.focus();
      });
    }).observe(shadow, { childList: true, subtree: true });
  }

  window.Plaudit.mount(host, { site: d.site, lang: d.lang, touchpoint: d.touchpoint, attributes: attributes, invitation: d.invitation });
})();
