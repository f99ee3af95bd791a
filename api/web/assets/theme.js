// The theme toggle: "auto" follows the system (prefers-color-scheme),
// "light" and "dark" are the user's choice, kept in localStorage. Loaded
// without defer in <head>, so the chosen theme applies before the first paint.
(function () {
  "use strict";
  var KEY = "drover-theme", order = ["auto", "dark", "light"];
  function stored() { try { var v = localStorage.getItem(KEY); return order.indexOf(v) >= 0 ? v : "auto"; } catch (e) { return "auto"; } }
  function apply(v) {
    if (v === "auto") document.documentElement.removeAttribute("data-theme");
    else document.documentElement.setAttribute("data-theme", v);
  }
  function label(btn, v) {
    btn.textContent = { auto: "◐ Auto", dark: "● Dark", light: "○ Light" }[v];
    btn.setAttribute("aria-label", "Theme: " + v + " (change)");
    btn.title = "Theme: " + v + ". Click to change.";
  }
  apply(stored());
  document.addEventListener("DOMContentLoaded", function () {
    var btn = document.getElementById("theme-toggle");
    if (!btn) return;
    btn.hidden = false;
    label(btn, stored());
    btn.addEventListener("click", function () {
      var next = order[(order.indexOf(stored()) + 1) % order.length];
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: this page only */ }
      apply(next); label(btn, next);
    });
  });
})();
