/* ansinh: a form survives the end of a session. Each POST form's fields (not the CSRF token, not passwords) are
   kept in the tab's sessionStorage when it is submitted; if the server answers that the session had ended, the
   agent signs in again and lands back on the same page, whose <body data-restore-form="1"> asks to fill the
   form in again as it was. Nothing is sent anywhere: the values stay in this tab. */
(function () {
  "use strict";
  var KEY = "ansinh-form:" + location.pathname;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || (form.getAttribute("method") || "").toLowerCase() !== "post") return;
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken" && !/password/i.test(name)) {
        fields.push([name, value]);
      }
    });
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ action: form.getAttribute("action") || "", fields: fields }));
    } catch (e) { /* storage full or disabled: nothing kept */ }
  }, true);
  function restore() {
    if (!document.body || document.body.getAttribute("data-restore-form") !== "1") return;
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { saved = null; }
    if (!saved) return;
    var forms = Array.prototype.filter.call(document.forms, function (f) {
      return (f.getAttribute("method") || "").toLowerCase() === "post" && (f.getAttribute("action") || "") === saved.action;
    });
    var form = forms[0];
    if (!form) return;
    saved.fields.forEach(function (pair) {
      var name = pair[0], value = pair[1];
      var elements = form.querySelectorAll('[name="' + name.replace(/"/g, '\\"') + '"]');
      Array.prototype.forEach.call(elements, function (el) {
        if (el.type === "checkbox" || el.type === "radio") { el.checked = el.value === value; }
        else if (el.type !== "hidden" && el.type !== "file") { el.value = value; }
      });
    });
    sessionStorage.removeItem(KEY);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", restore);
  else restore();
  // a form drawn later (the desk's payment form appears with a quote): filled in when it appears
  document.addEventListener("htmx:afterSettle", restore);
})();
