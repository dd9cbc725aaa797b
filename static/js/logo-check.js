// Progressive enhancement of logo fields (<input type="file" data-max-bytes="…" data-too-large="…">):
// a file over the limit is refused in the browser, with the same message the server gives,
// before anything is sent. The server checks again (size and real type) either way.
(function () {
  if (window.hubcityLogoCheck) { return; }
  window.hubcityLogoCheck = true;
  function check(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var message = input.getAttribute("data-too-large") || "";
    var file = input.files && input.files[0];
    var tooLarge = Boolean(file && limit && file.size > limit);
    input.setCustomValidity(tooLarge ? message : "");
    input.setAttribute("aria-invalid", tooLarge ? "true" : "false");
    var note = input.parentNode && input.parentNode.querySelector("[data-size-error]");
    if (note) { note.textContent = tooLarge ? message : ""; note.hidden = !tooLarge; }
    if (tooLarge) { input.reportValidity(); }
    return !tooLarge;
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.matches && input.matches("input[type=file][data-max-bytes]")) { check(input); }
  });
  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll ? event.target.querySelectorAll("input[type=file][data-max-bytes]") : [];
    for (var i = 0; i < inputs.length; i++) {
      if (!check(inputs[i])) { event.preventDefault(); inputs[i].focus(); return; }
    }
  }, true);
})();
