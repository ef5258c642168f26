/* The resource library's filters: folded on phones, open beside the results on wider screens.
   Progressive enhancement only: without this file the filters are one tap away on every screen. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var facets = document.querySelector(".facets");
    if (!facets || !window.matchMedia) {
      return;
    }
    var wide = window.matchMedia("(min-width: 48em)");
    if (wide.matches) {
      facets.open = true;
    }
  });
})();
