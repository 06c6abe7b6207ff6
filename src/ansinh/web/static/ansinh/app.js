/* ansinh's page behaviour, from a file (the Content-Security-Policy allows no inline script): listeners on the
   document, so they also work on the parts htmx swaps in.
   - <select data-autosubmit>: choosing sends its form (the language, the outbox filter);
   - <form data-once>: a submit button is disabled once the form is sent (a second click sends nothing);
   - <form data-confirm="question">: sent only if the user says yes (revoking a field kit);
   - <input data-filter-tree="ID">: shows only the communes and villages of box #ID whose name (with or without
     accents, or a commune's name before July 2025: each row's data-folded) holds the typed text;
   - the desk's cash field #given: the change to give, or what is missing, under it (#change, its words in
     data-change / data-short, the amount due in #amount-due's data-amount). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!form || !form.matches || !form.matches("form[data-once]")) return;
    setTimeout(function () {
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) { b.disabled = true; });
    }, 0);
  });
  function fold(text) {  // as ansinh.core.text.fold: no accents, đ is d, lower case, single spaces
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box || !box.dataset || !box.dataset.filterTree) return;
    var tree = document.getElementById(box.dataset.filterTree), typed = fold(box.value);
    if (!tree) return;
    Array.prototype.forEach.call(tree.querySelectorAll(".commune"), function (commune) {
      var whole = !typed || commune.dataset.folded.indexOf(typed) >= 0, any = whole;
      Array.prototype.forEach.call(commune.querySelectorAll("[data-folded]"), function (village) {
        var shown = whole || village.dataset.folded.indexOf(typed) >= 0;
        village.hidden = !shown;
        any = any || shown;
      });
      commune.hidden = !any;
    });
  });
  document.addEventListener("input", function (event) {
    var given = event.target;
    if (!given || given.id !== "given") return;
    var change = document.getElementById("change"), due = document.getElementById("amount-due");
    if (!change || !due) return;
    var amount = +due.dataset.amount, value = +given.value.replace(/\D/g, "");
    if (!value) { change.textContent = ""; return; }
    var rest = value - amount;
    change.textContent = rest >= 0
      ? change.dataset.change + ": " + rest.toLocaleString("vi-VN") + " ₫"
      : change.dataset.short + " " + (-rest).toLocaleString("vi-VN") + " ₫";
    change.className = rest >= 0 ? "ok" : "warn";
  });
})();
