// Hubcity's own behaviour: move focus to the first error after a page load or an HTMX swap,
// so keyboard and screen-reader users land on what needs fixing.
(function () {
  function focusFirstError(root) {
    var target = (root || document).querySelector('[aria-invalid="true"]') ||
                 (root || document).querySelector("[data-error-summary]");
    if (target) { target.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });
  document.addEventListener("htmx:afterSwap", function (event) { focusFirstError(event.detail.target); });
})();
