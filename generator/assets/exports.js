/* Papershelf: copy and download of citation text embedded in the page.
   A button names the element holding the text (data-ps-copy / data-ps-download = its id);
   the download is built in the browser from that text, so the site ships no per-paper files. */
(function () {
  "use strict";
  document.documentElement.classList.add("ps-js");

  function textOf(id) {
    var el = document.getElementById(id);
    return el ? el.textContent : "";
  }

  function flash(btn, label) {
    var old = btn.getAttribute("data-ps-label") || btn.textContent;
    btn.setAttribute("data-ps-label", old);
    btn.textContent = label;
    setTimeout(function () { btn.textContent = old; }, 1500);
  }

  function copy(btn, text) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { flash(btn, "Copied"); },
        function () { fallbackCopy(btn, text); });
    } else {
      fallbackCopy(btn, text);
    }
  }

  function fallbackCopy(btn, text) {
    // Plain-HTTP pages have no clipboard API: copy through a selected textarea.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    flash(btn, ok ? "Copied" : "Select and copy");
  }

  function download(btn, text) {
    var type = btn.getAttribute("data-ps-type") || "text/plain";
    var blob = new Blob([text], { type: type + ";charset=utf-8" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = btn.getAttribute("data-ps-filename") || "citation.txt";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  document.addEventListener("click", function (event) {
    var btn = event.target.closest ? event.target.closest("[data-ps-copy],[data-ps-download]") : null;
    if (!btn) return;
    event.preventDefault();
    if (btn.hasAttribute("data-ps-copy")) {
      copy(btn, textOf(btn.getAttribute("data-ps-copy")));
    } else {
      download(btn, textOf(btn.getAttribute("data-ps-download")));
    }
  });
})();
