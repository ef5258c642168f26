/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  // Marks the page as scripted before first paint, so the phone menu starts collapsed without a flash.
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".nav-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
      });
    }
    // The user menu is a <details>: close it on Escape or a click elsewhere, as people expect of a menu.
    var menu = document.querySelector(".user-menu");
    if (menu) {
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && menu.open) {
          menu.open = false;
          menu.querySelector("summary").focus();
        }
      });
      document.addEventListener("click", function (event) {
        if (menu.open && !menu.contains(event.target)) {
          menu.open = false;
        }
      });
    }
  });
})();
