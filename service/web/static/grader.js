// Comfort only: the pages work the same without this script.
// - a live hint under a field whose text cannot be read as a number yet;
// - the grade button is disabled once pressed (the server also ignores a double submit);
// - on a graded page, focus moves to the score so that screen readers read it first.
(function () {
  "use strict";

  var MINUS = /[\u2212\u2012\u2013\ufe63\uff0d]/g;
  var DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  var FRACTION = /^[+-]?\d+\/[+-]?\d+$/;
  var HINT = "Not a number yet: type a decimal such as 0.7595, .735 or -1.3e-5, or a fraction such as 3/4.";

  function readable(text) {
    var compact = text.trim().replace(MINUS, "-").replace(/ /g, "");
    return compact === "" || DECIMAL.test(compact) || FRACTION.test(compact);
  }

  function hintFor(input) {
    var id = input.id + "-format";
    var hint = document.getElementById(id);
    if (!hint) {
      hint = document.createElement("p");
      hint.id = id;
      hint.className = "format-hint";
      input.closest(".step").appendChild(hint);
      var described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", described ? described + " " + id : id);
    }
    return hint;
  }

  function check(input) {
    var ok = readable(input.value);
    var hint = hintFor(input);
    hint.textContent = ok ? "" : HINT;
    input.classList.toggle("looks-invalid", !ok);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("answers");
    if (!form) return;
    form.querySelectorAll(".step input").forEach(function (input) {
      input.addEventListener("input", function () { check(input); });
      input.addEventListener("blur", function () { check(input); });
    });
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        window.setTimeout(function () { button.disabled = true; button.textContent = "Grading…"; }, 0);
      }
    });
    var summary = document.querySelector(".summary.graded");
    if (summary && !window.location.hash) summary.focus();
  });

  // Coming back with the Back button shows the page from the cache: make the button usable again.
  window.addEventListener("pageshow", function () {
    var button = document.querySelector("#answers button[type=submit]");
    if (button) { button.disabled = false; button.textContent = "Grade my answers"; }
  });
})();
