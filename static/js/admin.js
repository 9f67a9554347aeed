// "Copy" buttons beside a read-only field (the hosted survey link): copy it, and say so.
(function () {
  "use strict";
  [].forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      var said = button.parentNode.querySelector('[role="status"]');
      field.select();
      var done = function () { if (said) said.textContent = button.getAttribute("data-copied"); };
      // The Clipboard API needs a secure context (https, or this machine); else the old way.
      var old = function () { if (document.execCommand("copy")) done(); };
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, old);
      else old();
    });
  });
})();

// Back-office keyboard shortcuts for the moderation queue: j/k move, a approves, r rejects,
// ? shows the help. Never while typing in a field. Loaded as a file, so the strict CSP holds.
(function () {
  "use strict";
  // Only the queue announces (and so has) the shortcuts; other pages with cards (follow-ups)
  // load this file through the shared layout and must be left alone.
  var help = document.getElementById("shortcuts");
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.card"));
  if (!help || !cards.length) return;
  var live = document.createElement("p");
  live.className = "skip";
  live.setAttribute("role", "status");
  document.body.appendChild(live);

  function current() { return cards.indexOf(document.activeElement.closest("article.card")); }
  function focusCard(i) {
    var card = cards[Math.max(0, Math.min(cards.length - 1, i))];
    card.focus();
    live.textContent = "Testimonial " + (cards.indexOf(card) + 1) + " of " + cards.length + ": " + card.querySelector("h2").textContent;
  }
  function press(key) {
    var i = current();
    if (i < 0) return false;
    var button = cards[i].querySelector('button[data-shortcut="' + key + '"]');
    if (!button) return false;
    // After the page reloads, land on the next testimonial rather than at the top.
    var next = cards[i + 1] || cards[i - 1];
    var back = button.form.querySelector('input[name="next"]');
    if (back && next) back.value = back.value.split("#")[0] + "#" + next.id;
    button.click();
    return true;
  }

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable) return;
    if (e.key === "j") focusCard(current() + 1);
    else if (e.key === "k") focusCard(current() < 0 ? 0 : current() - 1);
    else if (e.key === "a" || e.key === "r") { if (!press(e.key)) return; }
    else if (e.key === "?") { help.classList.toggle("open"); help.focus(); }
    else return;
    e.preventDefault();
  });

  help.setAttribute("tabindex", "-1");
  if (location.hash) {
    var target = document.querySelector(location.hash);
    if (target && cards.indexOf(target) >= 0) target.focus();
  }
})();
