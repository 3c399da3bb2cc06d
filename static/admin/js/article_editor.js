/* The article editor's helpers:
 *  - keeps a copy of the text in this browser while you type, and offers it back if a
 *    save failed (session or CSRF token expired, network gone): nothing typed is lost;
 *    the copy carries the version its text was written on (even when kept on the page
 *    of a refused save), so putting it back and saving is refused if someone saved
 *    since (nobody's newer save is replaced unseen);
 *  - after such a refusal, fills a field with the saved version (or, for the body, with
 *    both versions' paragraphs) when asked;
 *  - shows a thumbnail and credit for each photo in the lead-photo chooser;
 *  - suggests existing tags while typing.
 * No inline script: everything is wired up from data attributes. */
(function () {
  "use strict";

  // Loaded in <head>: catch the editor as soon as it is ready, wire the rest up once the
  // form exists.
  var bodyEditor = null;
  var onEditorUpdate = null;
  document.addEventListener("prose-editor:ready", function (event) {
    bodyEditor = event.detail && event.detail.editor;
    window.newsroomBodyEditor = bodyEditor;
    if (bodyEditor && bodyEditor.on) {
      bodyEditor.on("update", function () { if (onEditorUpdate) onEditorUpdate(); });
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }

  // A save that worked lands on a page whose success message links to the article: the
  // copies kept for it (and for a new article, if one was just added) are not needed.
  function forgetSavedCopies() {
    var success = document.querySelectorAll(".messagelist .success");
    if (!success.length || document.querySelector(".errornote")) return;
    try {
      success.forEach(function (message) {
        if (/added/.test(message.textContent)) localStorage.removeItem("newsroom:article:new");
        message.querySelectorAll("a[href*='/articles/article/']").forEach(function (link) {
          var id = link.getAttribute("href").match(/article\/(\d+)\//);
          if (id) localStorage.removeItem("newsroom:article:" + id[1]);
        });
      });
    } catch (e) { /* storage unavailable */ }
  }

  function init() {
  forgetSavedCopies();
  var form = document.getElementById("article_form");
  if (!form) return;

  // --- autosave to the browser --------------------------------------------------------
  var match = window.location.pathname.match(/\/articles\/article\/(\d+)\/change\//);
  var key = "newsroom:article:" + (match ? match[1] : "new");
  var FIELDS = ["headline", "standfirst", "body", "slug", "tags"];

  function field(name) { return form.elements.namedItem(name); }

  // The version the text in this form was written on travels with the copy kept of it
  // (see "put back" below). Usually the version the form was loaded with; but the page of
  // a refused save has its form marked as written on the version it shows beside the text
  // (so a save straight from it goes through), while the text itself was written on an
  // older one: that page names it, and a copy kept there carries it, so putting that copy
  // back later and saving is refused again and both versions are shown side by side.
  var versionField = field("loaded_version");
  var refusal = document.querySelector("[data-conflict][data-conflict-written-on]");
  var writtenOn = refusal ? refusal.getAttribute("data-conflict-written-on")
                          : (versionField ? versionField.value : "");

  function snapshot() {
    var data = { savedAt: new Date().toISOString(), fields: {} };
    if (versionField) data.version = writtenOn;
    FIELDS.forEach(function (name) {
      var el = field(name);
      if (el && "value" in el) data.fields[name] = el.value;
    });
    // The editor writes its HTML to the hidden textarea only when the form is sent.
    if (bodyEditor) data.fields.body = bodyEditor.getHTML();
    return data;
  }

  function keep() {
    try { localStorage.setItem(key, JSON.stringify(snapshot())); } catch (e) { /* full or private */ }
  }
  var timer = null;
  function remember() {
    clearTimeout(timer);
    timer = setTimeout(keep, 400);
  }

  form.addEventListener("input", remember);
  form.addEventListener("change", remember);
  // The save may fail once this page is gone (database down, session expired): keep the
  // text as it is when it is sent, not as it was at the last pause in typing.
  form.addEventListener("submit", function () { clearTimeout(timer); keep(); });
  onEditorUpdate = remember;


  var offer = document.querySelector("[data-autosave-offer]");
  var stored = null;
  try { stored = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { stored = null; }
  if (offer && stored && stored.fields) {
    var current = snapshot().fields;
    var differs = FIELDS.some(function (name) {
      return name in stored.fields && (stored.fields[name] || "") !== (current[name] || "");
    });
    if (differs) {
      offer.hidden = false;
      offer.querySelector("[data-autosave-time]").textContent = new Date(stored.savedAt).toLocaleString();
      offer.querySelector("[data-autosave-restore]").addEventListener("click", function () {
        FIELDS.forEach(function (name) {
          var el = field(name);
          if (!el || !(name in stored.fields)) return;
          el.value = stored.fields[name];
          if (name === "body" && bodyEditor) bodyEditor.commands.setContent(stored.fields[name]);
        });
        // The text put back is checked against the version it was written on, not the one
        // this page loaded: if someone saved in between, the save is refused and both
        // versions are shown side by side. A copy kept before versions were recorded has
        // none, and the server refuses a save that does not name one.
        writtenOn = stored.version || "";
        if (versionField) versionField.value = writtenOn;
        offer.hidden = true;
      });
      offer.querySelector("[data-autosave-discard]").addEventListener("click", function () {
        try { localStorage.removeItem(key); } catch (e) {}
        offer.hidden = true;
      });
    }
  }

  // --- a refused save: take the saved version (or both bodies) into the form ----------
  document.querySelectorAll("[data-conflict-take]").forEach(function (button) {
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-conflict-take");
      var source = document.getElementById(button.getAttribute("data-conflict-source"));
      var el = field(name);
      if (!source || !el) return;
      el.value = source.value;
      if (name === "body" && bodyEditor) bodyEditor.commands.setContent(source.value);
      remember();
      var done = button.parentNode.querySelector("[data-conflict-done]");
      if (done) done.textContent = "Done: the form below holds it now. Check it, then save.";
    });
  });

  // --- lead photo: thumbnails and credit ---------------------------------------------
  var photoSelect = document.getElementById("id_lead_photo");
  var withThumbnails = function (tries) {
    // The admin's jQuery and select2 may come after this file in the page (Django merges
    // the widgets' media), and its autocomplete.js sets the chooser up when the document
    // is ready, which can come after "load": wait for it, then set it up again with
    // thumbnails, or it would replace ours.
    var $ = window.django && window.django.jQuery;
    var $select = $ && $.fn.select2 ? $(photoSelect) : null;
    if (!$select || !$select.data("select2")) {
      if (tries > 0) window.setTimeout(function () { withThumbnails(tries - 1); }, 50);
      return;
    }
    var render = function (item) {
      if (!item.id || !item.thumb) return item.text;
      var row = $('<span class="newsroom-photo-option"></span>');
      row.append($("<img alt=\"\">").attr("src", item.thumb));
      row.append($("<span></span>").text(item.text));
      return row;
    };
    $select.select2("destroy");
    $select.select2({
      ajax: {
        data: function (params) {
          return {
            term: params.term, page: params.page,
            app_label: photoSelect.dataset.appLabel,
            model_name: photoSelect.dataset.modelName,
            field_name: photoSelect.dataset.fieldName
          };
        }
      },
      templateResult: render,
      templateSelection: render
    });
  };
  if (photoSelect) window.addEventListener("load", function () { withThumbnails(100); });

  // --- tags: suggestions from the tags already in use ---------------------------------
  var tagInput = field("tags");
  if (tagInput && tagInput.dataset.suggestUrl) {
    var list = document.createElement("datalist");
    list.id = "newsroom-tag-suggestions";
    document.body.appendChild(list);
    tagInput.setAttribute("list", list.id);
    tagInput.addEventListener("input", function () {
      var parts = tagInput.value.split(",");
      var last = parts[parts.length - 1].trim();
      if (last.length < 2) return;
      fetch(tagInput.dataset.suggestUrl + "?q=" + encodeURIComponent(last), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          var prefix = parts.slice(0, -1).map(function (p) { return p.trim(); }).filter(Boolean);
          list.innerHTML = "";
          data.results.forEach(function (name) {
            var option = document.createElement("option");
            option.value = prefix.concat([name]).join(", ");
            list.appendChild(option);
          });
        });
    });
  }
  }
})();
