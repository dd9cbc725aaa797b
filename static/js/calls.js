// Call pages: remember the browser's time zone in the "tz" cookie (the server shows deadlines in
// it and says which zone it shows) and keep the deadline countdowns ticking. Without this script
// the pages keep their static text: the deadline in the call's zone and the agency's, and the
// time left when the page was made.
(function () {
  if (window.hubcityCalls) { return; }
  window.hubcityCalls = true;

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) {
        try { return decodeURIComponent(parts[i].slice(eq + 1)); } catch (e) { return ""; }
      }
    }
    return "";
  }

  function rememberZone() {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    if (!zone || cookie("tz") === zone) { return; }
    document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    var note = document.querySelector("[data-viewer-zone]");
    if (!note || note.getAttribute("data-viewer-zone") === zone || cookie("tz") !== zone) { return; }
    try {
      if (sessionStorage.getItem("hubcity-tz-reloaded")) { return; }
      sessionStorage.setItem("hubcity-tz-reloaded", "1");
    } catch (e) { return; }
    location.reload();  // once: the server now knows the zone
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var items = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var left = Math.ceil((Date.parse(el.getAttribute("data-deadline")) - Date.now()) / 1000);
      if (isNaN(left)) { continue; }
      if (left <= 0) { el.textContent = el.getAttribute("data-closed"); continue; }
      var days = Math.floor(left / 86400), rest = left % 86400;
      var time = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor((rest % 3600) / 60)) + ":" + pad(rest % 60);
      el.textContent = el.getAttribute("data-template").replace("{d}", String(days)).replace("{t}", time);
    }
  }

  rememberZone();
  tick();
  setInterval(tick, 1000);
})();
