/*
 * Rekisteri staff UI: small progressive enhancements. Every page works
 * without this file; the Content-Security-Policy allows only same-origin
 * scripts, so nothing here is inline in the templates.
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      return meta.content;
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Django's CSRF check for requests htmx sends (search, list filters).
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  // --- Header search: a results panel that closes like a menu ----------

  function searchPanel() {
    return document.getElementById("global-search-results");
  }

  function closeSearch() {
    var panel = searchPanel();
    if (panel) {
      panel.replaceChildren();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var panel = searchPanel();
    if (panel && panel.childElementCount) {
      closeSearch();
      var input = document.getElementById("global-search");
      if (input) {
        input.focus();
      }
    }
  });

  document.addEventListener("click", function (event) {
    var form = document.querySelector(".globalsearch");
    if (form && !form.contains(event.target)) {
      closeSearch();
    }
  });

  // Arrow down from the search box moves into the results.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" || event.target.id !== "global-search") {
      return;
    }
    var first = searchPanel() && searchPanel().querySelector("a");
    if (first) {
      event.preventDefault();
      first.focus();
    }
  });

  // --- Repeated inputs (emails, phones): "Add another" ------------------

  function addRepeatRow(fieldset) {
    var rows = fieldset.querySelectorAll("[data-repeat-row]");
    var last = rows[rows.length - 1];
    if (!last) {
      return;
    }
    var n = rows.length + 1;
    var row = last.cloneNode(true);
    var input = row.querySelector("input");
    var label = row.querySelector("label");
    var baseId = input.id.replace(/_\d+$/, "");
    input.id = baseId + "_" + n;
    input.value = "";
    input.removeAttribute("aria-invalid");
    label.htmlFor = input.id;
    label.textContent = (fieldset.dataset.labelTemplate || "").replace("__N__", n);
    last.after(row);
    input.focus();
  }

  function enhanceRepeats(root) {
    root.querySelectorAll("[data-repeat]").forEach(function (fieldset) {
      var button = fieldset.querySelector("[data-repeat-add]");
      if (!button || button.dataset.ready) {
        return;
      }
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        addRepeatRow(fieldset);
      });
    });
  }

  // --- One-time token: select and copy ----------------------------------

  function enhanceCopy(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      var target = document.querySelector(button.dataset.copy);
      if (!target || !navigator.clipboard) {
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(target.value).then(function () {
          button.classList.add("is-done");
        });
      });
    });
    root.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () {
        input.select();
      });
    });
  }

  // Error summaries and one-time notices take focus so screen readers
  // announce them and keyboard users start from there.
  function focusFirst(root) {
    var el = root.querySelector("[data-autofocus]");
    if (el) {
      el.focus();
    }
  }

  function enhance(root) {
    enhanceRepeats(root);
    enhanceCopy(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.documentElement.classList.add("js");
    enhance(document);
    focusFirst(document);
  });

  document.addEventListener("htmx:load", function (event) {
    enhance(event.detail.elt);
  });
})();
