/* Papershelf search UI: the header box on every page and the full search page.
 *
 * All searching happens in a web worker (worker.js) started as the page
 * loads.  Record text reaches the page only as text nodes (textContent),
 * never as HTML.  URLs are resolved against the site root the template
 * passes in data-ps-root, so the site works under any sub-path.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var ROOT = new URL(script.getAttribute('data-ps-root') || './', location.href).href;
  var worker = null, seq = 0, pending = {}, readyInfo = null;

  function startWorker() {
    // Normally started by the inline script in <head> (partials/ps-search-head.html).
    worker = window.psSearchWorker || null;
    var early = worker && worker.psEarly;
    if (!worker) {
      try {
        worker = new Worker(ROOT + 'search/worker.js');
      } catch (e) {
        return;  // e.g. file:// pages
      }
      worker.postMessage({type: 'init', root: ROOT + 'search/'});
    }
    worker.onmessage = function (e) {
      var m = e.data;
      if (m.type === 'ready') { readyInfo = m; return; }
      var cb = pending[m.id];
      if (cb && m.type === 'partial') { cb(m); return; }  // the leading hits; the answer follows
      if (cb) { delete pending[m.id]; cb(m); }
      // The theme's start-up waits for the answers to searches in flight (main.html).
      if (cb && !busy()) window.dispatchEvent(new Event('ps-search-idle'));
    };
    if (early) early.forEach(function (e) { worker.onmessage(e); });
  }

  function busy() {
    for (var id in pending) return true;
    return false;
  }
  window.psSearchBusy = busy;

  function ask(msg, cb) {
    if (!worker) return;
    msg.type = 'query';
    msg.id = ++seq;
    pending[msg.id] = cb;
    worker.postMessage(msg);
    return msg.id;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function metaLine(row) {
    return [row[2], row[3] || '', row[4]].filter(function (x) { return x; }).join(' · ');
  }

  // 12,345: by hand, not toLocaleString, whose first call loads the browser's
  // locale data (15-25 ms of main thread) just as the first answer is drawn.
  function count(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  function searchPageUrl(q) {
    return ROOT + 'search/?q=' + encodeURIComponent(q);
  }

  // Append `text` to `parent`, wrapping words that match a query term in <mark>.
  function highlight(parent, text, terms) {
    var parts = text.split(/([\w\u00C0-\uFFFF][\w\u00C0-\uFFFF'.]*)/);
    parts.forEach(function (p, j) {
      if (j % 2 === 1) {
        var low = p.toLowerCase().replace(/\.$/, '');
        var hit = terms.some(function (t) { return t.length >= 2 && low.indexOf(t) === 0; });
        if (hit) { parent.appendChild(el('mark', null, p)); return; }
      }
      if (p) parent.appendChild(document.createTextNode(p));
    });
  }

  // The ~240 characters of an abstract with the most query words.
  function snippet(text, terms) {
    if (!text) return '';
    if (text.length <= 260) return text;
    var words = text.split(/\s+/), best = 0, bestAt = 0, span = 36;
    for (var i = 0; i < words.length; i += 4) {
      var n = 0;
      for (var j = i; j < Math.min(words.length, i + span); j++) {
        var w = words[j].toLowerCase().replace(/^\W+/, '');
        if (terms.some(function (t) { return t.length >= 2 && w.indexOf(t) === 0; })) n++;
      }
      if (n > best) { best = n; bestAt = i; }
    }
    var start = Math.max(0, bestAt - 4);
    var out = words.slice(start, start + span).join(' ');
    return (start > 0 ? '… ' : '') + out + (start + span < words.length ? ' …' : '');
  }

  /* ---------------- header box ---------------- */
  function headerBox() {
    var input = document.getElementById('ps-hq');
    var list = document.getElementById('ps-hresults');
    if (!input || !list) return;
    var active = -1, timer = null, lastId = 0;

    function close() {
      // Answers still on their way (or a keystroke waiting for its turn) must not
      // reopen the list the reader just closed.
      clearTimeout(timer);
      lastId = -1;
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      active = -1;
    }

    function items() { return list.querySelectorAll('[role=option]'); }

    function setActive(k) {
      var its = items();
      if (!its.length) return;
      active = (k + its.length) % its.length;
      for (var i = 0; i < its.length; i++) its[i].setAttribute('aria-selected', i === active ? 'true' : 'false');
      input.setAttribute('aria-activedescendant', its[active].id);
      its[active].scrollIntoView({block: 'nearest'});
    }

    // ``res`` may be the leading hits only (type "partial"): drawn at once,
    // without the closing "All N results" line, which comes with the answer.
    // The row picked with the arrow keys stays picked when the answer redraws the list.
    function render(res, q) {
      var keep = list.getAttribute('aria-busy') === 'true' && list.getAttribute('data-q') === q ? active : -1;
      list.textContent = '';
      active = -1;
      res.hits.forEach(function (h, k) {
        var li = el('li', 'ps-hit');
        li.setAttribute('role', 'option');
        li.id = 'ps-hopt-' + k;
        var a = el('a', 'ps-hit__title');
        a.href = ROOT + h.row[0];
        highlight(a, h.row[1], res.terms);
        li.appendChild(a);
        li.appendChild(el('div', 'ps-hit__meta', metaLine(h.row)));
        list.appendChild(li);
      });
      list.setAttribute('data-q', q);
      list.setAttribute('aria-busy', res.type === 'partial' ? 'true' : 'false');
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      if (keep >= 0 && keep < res.hits.length) setActive(keep);
      if (res.type === 'partial') return;
      var more = el('li', 'ps-hit ps-hit--more');
      more.setAttribute('role', 'option');
      more.id = 'ps-hopt-more';
      var a = el('a', null, res.total ? 'All ' + count(res.total) + ' results for “' + q + '”'
                                        : 'No papers match “' + q + '”');
      // Sites built without the search page ("search" not among the page kinds) get no link.
      if (!readyInfo || readyInfo.page) a.href = searchPageUrl(q);
      more.appendChild(a);
      if (res.fuzzy && res.total) more.appendChild(el('div', 'ps-hit__meta', 'No exact match; showing close spellings'));
      list.appendChild(more);
    }

    function run() {
      var q = input.value;
      if (!q.trim()) { close(); return; }
      lastId = ask({q: q, live: true, limit: 8, partial: true}, function (res) {
        if (res.id !== lastId) return;  // a newer keystroke already asked
        if (res.type === 'results' || res.type === 'partial') render(res, q.trim());
      });
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      // The first keystroke is answered at once; while a query is in flight
      // later ones wait a moment, so fast typing does not queue stale work.
      if (pending[lastId]) timer = setTimeout(run, 40); else run();
    });
    input.addEventListener('focus', function () { if (input.value.trim() && list.children.length) list.hidden = false; });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') { e.preventDefault(); setActive(active + 1); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); setActive(active - 1); }
      else if (e.key === 'Escape') {
        e.preventDefault();
        if (!list.hidden) close(); else { input.value = ''; input.blur(); }
      } else if (e.key === 'Enter') {
        e.preventDefault();
        var its = items();
        var link = active >= 0 && its[active] ? its[active].querySelector('a') : null;
        if (link) location.href = link.href;
        else if (!readyInfo || readyInfo.page) location.href = searchPageUrl(input.value.trim());
      }
    });
    document.addEventListener('click', function (e) {
      if (!e.target.closest || !e.target.closest('.ps-hsearch')) close();
    });
    // This script loads async: a reader may have typed before it ran.
    if (document.activeElement === input && input.value.trim()) run();
  }

  // '/' focuses the search from anywhere (the page's own box on the search page).
  document.addEventListener('keydown', function (e) {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var box = document.getElementById('ps-sp-q') || document.getElementById('ps-hq');
    if (box) { e.preventDefault(); e.stopPropagation(); box.focus(); box.select(); }
  }, true);

  /* ---------------- search page ---------------- */
  var FACETS = [['topic', 'Topic'], ['venue', 'Venue'], ['org', 'Organisation'], ['author', 'Author']];
  var PER_PAGE = 20;

  function readState() {
    var p = new URLSearchParams(location.search);
    var s = {q: p.get('q') || '', from: p.get('from') || '', to: p.get('to') || '', shown: PER_PAGE};
    FACETS.forEach(function (f) { s[f[0]] = p.getAll(f[0]); });
    return s;
  }

  function stateUrl(s) {
    var p = new URLSearchParams();
    if (s.q) p.set('q', s.q);
    if (s.from) p.set('from', s.from);
    if (s.to) p.set('to', s.to);
    FACETS.forEach(function (f) { s[f[0]].forEach(function (v) { p.append(f[0], v); }); });
    var qs = p.toString();
    return location.pathname + (qs ? '?' + qs : '');
  }

  function searchPage() {
    var root = document.getElementById('ps-search-page');
    if (!root) return;
    var input = document.getElementById('ps-sp-q');
    var aside = root.querySelector('.ps-facets');
    var status = root.querySelector('.ps-sp-status');
    var list = root.querySelector('.ps-sp-list');
    var state = readState(), timer = null, lastId = 0;
    input.value = state.q;

    function commit(push) {
      var url = stateUrl(state);
      if (url !== location.pathname + location.search) {
        history[push ? 'pushState' : 'replaceState'](null, '', url);
      }
      run();
    }

    function filters() {
      var f = {from: state.from, to: state.to};
      FACETS.forEach(function (x) { f[x[0]] = state[x[0]]; });
      return f;
    }

    function run() {
      var f = filters();
      var any = state.q.trim() || f.from || f.to || FACETS.some(function (x) { return state[x[0]].length; });
      if (!any) {
        status.textContent = 'Type to search.';
        list.textContent = '';
        aside.textContent = '';
        return;
      }
      status.textContent = 'Searching…';
      lastId = ask({q: state.q, live: false, limit: state.shown, filters: f, facets: true, snippets: true}, function (res) {
        if (res.id !== lastId) return;
        if (res.type !== 'results') { status.textContent = 'Search failed: ' + res.error; return; }
        renderResults(res);
        renderFacets(res.facets);
      });
    }

    function renderResults(res) {
      var n = res.total;
      status.textContent = n ? count(n) + ' paper' + (n === 1 ? '' : 's') +
        (res.fuzzy ? ' (no exact match; showing close spellings)' : '') : 'No papers match.';
      list.textContent = '';
      res.hits.forEach(function (h) {
        var li = el('li', 'ps-sp-hit');
        var a = el('a', 'ps-sp-title');
        a.href = ROOT + h.row[0];
        highlight(a, h.row[1], res.terms);
        var head = el('div');
        head.appendChild(a);
        li.appendChild(head);
        li.appendChild(el('div', 'ps-sp-meta', metaLine(h.row)));
        var snip = snippet(h.row[5], res.terms);
        if (snip) {
          var p = el('p', 'ps-snippet');
          highlight(p, snip, res.terms);
          li.appendChild(p);
        }
        list.appendChild(li);
      });
      if (res.hits.length < n) {
        var more = el('button', 'md-button ps-sp-more', 'Show more');
        more.type = 'button';
        more.addEventListener('click', function () { state.shown += PER_PAGE; run(); });
        var li = el('li', 'ps-sp-morerow');
        li.appendChild(more);
        list.appendChild(li);
      }
    }

    function facetGroup(key, label, counts) {
      var sel = state[key];
      var entries = Object.keys(counts || {}).map(function (v) { return [v, counts[v]]; });
      sel.forEach(function (v) { if (!(counts && v in counts)) entries.push([v, 0]); });
      if (!entries.length) return null;
      entries.sort(function (a, b) {
        return (sel.indexOf(b[0]) >= 0) - (sel.indexOf(a[0]) >= 0) || b[1] - a[1] || (a[0] < b[0] ? -1 : 1);
      });
      var box = el('section', 'ps-facet');
      box.setAttribute('data-facet', key);
      box.appendChild(el('h3', null, label));
      var ul = el('ul');
      entries.slice(0, 10).forEach(function (e) {
        var li = el('li');
        var b = el('button', 'ps-facet__value');
        b.type = 'button';
        b.setAttribute('aria-pressed', sel.indexOf(e[0]) >= 0 ? 'true' : 'false');
        b.setAttribute('data-value', e[0]);
        b.appendChild(el('span', 'ps-facet__name', e[0]));
        b.appendChild(el('span', 'ps-facet__count', e[1]));
        b.addEventListener('click', function () {
          var at = state[key].indexOf(e[0]);
          if (at >= 0) state[key].splice(at, 1); else state[key].push(e[0]);
          state.shown = PER_PAGE;
          commit(true);
        });
        li.appendChild(b);
        ul.appendChild(li);
      });
      box.appendChild(ul);
      return box;
    }

    function yearGroup(counts) {
      var years = Object.keys(counts || {}).map(Number).sort();
      var box = el('section', 'ps-facet');
      box.setAttribute('data-facet', 'year');
      box.appendChild(el('h3', null, 'Year'));
      var row = el('div', 'ps-facet__years');
      [['from', 'From'], ['to', 'To']].forEach(function (x) {
        var lab = el('label', null, x[1] + ' ');
        var inp = el('input');
        inp.type = 'number';
        inp.name = x[0];
        inp.className = 'ps-year-' + x[0];
        inp.min = '1900'; inp.max = '2100';
        inp.value = state[x[0]];
        inp.placeholder = years.length ? String(x[0] === 'from' ? years[0] : years[years.length - 1]) : '';
        inp.addEventListener('change', function () { state[x[0]] = inp.value; state.shown = PER_PAGE; commit(true); });
        lab.appendChild(inp);
        row.appendChild(lab);
      });
      box.appendChild(row);
      var ul = el('ul', 'ps-facet__hist');
      years.slice().reverse().slice(0, 8).forEach(function (y) {
        var li = el('li');
        var b = el('button', 'ps-facet__value');
        b.type = 'button';
        b.setAttribute('data-value', String(y));
        b.appendChild(el('span', 'ps-facet__name', y));
        b.appendChild(el('span', 'ps-facet__count', counts[y]));
        b.addEventListener('click', function () { state.from = state.to = String(y); state.shown = PER_PAGE; commit(true); });
        li.appendChild(b);
        ul.appendChild(li);
      });
      box.appendChild(ul);
      return box;
    }

    function renderFacets(facets) {
      aside.textContent = '';
      if (!facets) return;
      aside.appendChild(yearGroup(facets.year));
      FACETS.forEach(function (f) {
        var g = facetGroup(f[0], f[1], facets[f[0]]);
        if (g) aside.appendChild(g);
      });
      var active = state.from || state.to || FACETS.some(function (f) { return state[f[0]].length; });
      if (active) {
        var clear = el('button', 'md-button ps-facet__clear', 'Clear filters');
        clear.type = 'button';
        clear.addEventListener('click', function () {
          state.from = state.to = '';
          FACETS.forEach(function (f) { state[f[0]] = []; });
          commit(true);
        });
        aside.appendChild(clear);
      }
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      state.q = input.value;
      state.shown = PER_PAGE;
      // Typing replaces the history entry; Enter or a filter adds one.
      timer = setTimeout(function () { commit(false); }, 80);
    });
    root.querySelector('form').addEventListener('submit', function (e) {
      e.preventDefault();
      clearTimeout(timer);
      state.q = input.value;
      history.pushState(null, '', stateUrl(state));
      run();
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { input.value = ''; state.q = ''; commit(false); }
      else if (e.key === 'ArrowDown') {
        var first = list.querySelector('a');
        if (first) { e.preventDefault(); first.focus(); }
      }
    });
    list.addEventListener('keydown', function (e) {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      var links = Array.prototype.slice.call(list.querySelectorAll('a.ps-sp-title'));
      var at = links.indexOf(document.activeElement);
      if (at < 0) return;
      e.preventDefault();
      if (e.key === 'ArrowUp' && at === 0) input.focus();
      else if (links[at + (e.key === 'ArrowDown' ? 1 : -1)]) links[at + (e.key === 'ArrowDown' ? 1 : -1)].focus();
    });
    window.addEventListener('popstate', function () {
      state = readState();
      input.value = state.q;
      run();
    });
    run();
  }

  // The header box comes before this script's tag, so it is there already;
  // the search page's elements may still be loading.
  startWorker();
  headerBox();
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', searchPage);
  else searchPage();
})();
