/* Papershelf search worker.
 *
 * The index is many small lunr indexes, each holding a contiguous range of
 * terms (see generator/search/index.py).  A query is parsed here, each of its
 * terms is looked up in the one shard that holds it (fetched on first use),
 * and the per-term scores are summed: the build wrote every weight with
 * global statistics, so sums from different shards compare like one index.
 * Nothing but the manifest is fetched before the first query.
 */
'use strict';

var ROOT = '';          // absolute URL of the site's search/ folder
var manifest = null;    // {n, bounds, chunk, block, page}
var ready = null;       // Promise: lunr.js and the manifest loaded
var shards = {};        // shard number -> Promise<lunr.Index>
var chunks = {};        // doc chunk number -> Promise<rows>
var blocks = {};        // facet block number -> Promise<rows>

var FIELD_ALIASES = {
  title: ['t'], author: ['a'], authors: ['a'], by: ['a'], abstract: ['b'], body: ['b'],
  id: ['m'], arxiv: ['m'], doi: ['m'], venue: ['m'], topic: ['m'], org: ['m']
};
var ALL_FIELDS = ['t', 'a', 'm', 'b'];
// The build's word separator (generator/search/text.py SEPARATOR): lunr's, plus URL and list punctuation.
var SEPARATOR = /[\s\-\/:,;()\[\]{}"'?!=&|<>]+/;

function getJSON(url) {
  return fetch(url).then(function (r) {
    if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
    return r.json();
  });
}

function init(root) {
  ROOT = root;
  // The manifest request goes out first: importScripts blocks while lunr.js loads.
  var m = getJSON(ROOT + 'idx/manifest.json');
  ready = new Promise(function (resolve) {
    importScripts(ROOT + 'lunr.js');
    resolve();
  }).then(function () { return m; }).then(function (data) { manifest = data; return data; });
  return ready;
}

// The shard holding a term: the last one whose first term is <= it.
function shardOf(term) {
  var b = manifest.bounds, lo = 0, hi = b.length - 1;
  while (lo < hi) {
    var mid = (lo + hi + 1) >> 1;
    if (b[mid] <= term) lo = mid; else hi = mid - 1;
  }
  return lo;
}

function shard(k) {
  if (!shards[k]) {
    shards[k] = getJSON(ROOT + 'idx/s/' + k + '.json').then(function (data) { return lunr.Index.load(data); });
  }
  return shards[k];
}

function chunk(k) {
  if (!chunks[k]) chunks[k] = getJSON(ROOT + 'idx/d/' + k + '.json');
  return chunks[k];
}

function block(k) {
  if (!blocks[k]) blocks[k] = getJSON(ROOT + 'idx/f/' + k + '.json');
  return blocks[k];
}

/* Query text -> clauses.  Each word becomes a clause {term, raw, fields,
 * required, phrase}; year:… becomes a year range. */
function parse(q, live) {
  var out = {clauses: [], years: null, phrases: []};
  var re = /(\w+):"([^"]*)"?|(\w+):(\S+)|"([^"]*)"?|(\S+)/g, m;
  var pieces = [];
  while ((m = re.exec(q)) !== null) {
    var field = (m[1] || m[3] || '').toLowerCase();
    var text = m[2] !== undefined ? m[2] : m[4] !== undefined ? m[4] : m[5] !== undefined ? m[5] : m[6];
    var quoted = m[2] !== undefined || m[5] !== undefined;
    if (field && !FIELD_ALIASES[field] && field !== 'year') { text = m[0]; field = ''; }
    if (field === 'year') {
      var y = /^(\d{4})(?:\s*(?:-|\.\.|to)\s*(\d{4})?)?$/.exec(text.trim());
      var g = /^([<>]=?)(\d{4})$/.exec(text.trim());
      if (y) out.years = [+y[1], y[2] ? +y[2] : (/-|\.\./.test(text) ? 9999 : +y[1])];
      else if (g) out.years = g[1][0] === '>' ? [+g[2] + (g[1] === '>' ? 1 : 0), 9999] : [0, +g[2] - (g[1] === '<' ? 1 : 0)];
      continue;
    }
    pieces.push({text: text, fields: field ? FIELD_ALIASES[field] : ALL_FIELDS, quoted: quoted});
  }
  var endsWord = live && /\S$/.test(q) && !/"$/.test(q);
  pieces.forEach(function (p, i) {
    var words = p.text.toLowerCase().split(SEPARATOR);
    if (p.quoted && words.length > 1) out.phrases.push(p.text.toLowerCase().trim());
    words.forEach(function (w, j) {
      var raw = lunr.trimmer(new lunr.Token(w, {})).toString();
      if (!raw) return;
      var last = endsWord && i === pieces.length - 1 && j === words.length - 1;
      var kept = lunr.stopWordFilter(new lunr.Token(raw, {}));
      if (!kept) return;
      var term = lunr.stemmer(new lunr.Token(raw, {})).toString();
      out.clauses.push({term: term, raw: raw, fields: p.fields, required: p.quoted, prefix: last && raw.length >= 2});
    });
  });
  return out;
}

function runTerm(idx, term, fields, extra) {
  var opts = {fields: fields, usePipeline: false};
  for (var key in extra) opts[key] = extra[key];
  try {
    return idx.query(function (q) { q.term(term, opts); });
  } catch (e) {
    return [];  // lunr rejects some wildcard/fuzzy forms; treat as no match
  }
}

// Scores of one clause: exact term, plus a prefix expansion while typing,
// plus a fuzzy fallback when neither matched.
function scoreClause(c) {
  var ks = [shardOf(c.term)];
  if (c.prefix) {
    var a = shardOf(c.raw), b = shardOf(c.raw + '\uffff');
    for (var k = a; k <= b && k < a + 3; k++) if (ks.indexOf(k) < 0) ks.push(k);
  }
  return Promise.all(ks.map(shard)).then(function (idxs) {
    var scores = {}, fuzzy = false;
    function add(results, factor) {
      results.forEach(function (r) {
        var s = r.score * factor;
        if (!(r.ref in scores) || scores[r.ref] < s) scores[r.ref] = s;
      });
    }
    add(runTerm(idxs[0], c.term, c.fields, {}), 1);
    if (c.prefix) {
      idxs.forEach(function (idx) {
        add(runTerm(idx, c.raw, c.fields, {wildcard: lunr.Query.wildcard.TRAILING}), 0.8);
      });
    }
    if (Object.keys(scores).length === 0 && c.term.length >= 4) {
      // A typo can move the term across a shard boundary: ask the neighbours too.
      fuzzy = true;
      var k0 = ks[0], near = [k0 - 1, k0, k0 + 1].filter(function (k) { return k >= 0 && k < manifest.bounds.length; });
      var dist = c.raw.length >= 8 ? 2 : 1;
      return Promise.all(near.map(shard)).then(function (nidx) {
        nidx.forEach(function (idx) { add(runTerm(idx, c.term, c.fields, {editDistance: dist}), 0.6); });
        return {scores: scores, fuzzy: fuzzy};
      });
    }
    return {scores: scores, fuzzy: fuzzy};
  });
}

function facetRows(refs) {
  var need = {};
  refs.forEach(function (i) { need[Math.floor(i / manifest.block)] = true; });
  var ks = Object.keys(need).map(Number);
  return Promise.all(ks.map(block)).then(function (bs) {
    var byBlock = {};
    ks.forEach(function (k, j) { byBlock[k] = bs[j]; });
    return function (i) { return byBlock[Math.floor(i / manifest.block)][i % manifest.block]; };
  });
}

function matchesFilters(row, f, years) {
  if (years && (row[0] < years[0] || row[0] > years[1])) return false;
  if (f.venue && f.venue.length && f.venue.indexOf(row[1]) < 0) return false;
  var lists = [['topic', 2], ['org', 3], ['author', 4]];
  for (var j = 0; j < lists.length; j++) {
    var sel = f[lists[j][0]];
    if (sel && sel.length) {
      var vals = row[lists[j][1]];
      for (var s = 0; s < sel.length; s++) if (vals.indexOf(sel[s]) < 0) return false;
    }
  }
  return true;
}

function countFacets(refs, rowOf) {
  var c = {year: {}, venue: {}, topic: {}, org: {}, author: {}};
  refs.forEach(function (i) {
    var r = rowOf(i);
    if (r[0]) c.year[r[0]] = (c.year[r[0]] || 0) + 1;
    if (r[1]) c.venue[r[1]] = (c.venue[r[1]] || 0) + 1;
    r[2].forEach(function (v) { c.topic[v] = (c.topic[v] || 0) + 1; });
    r[3].forEach(function (v) { c.org[v] = (c.org[v] || 0) + 1; });
    r[4].forEach(function (v) { c.author[v] = (c.author[v] || 0) + 1; });
  });
  return c;
}

function norm(s) { return s.toLowerCase().replace(/[^\w\s]/g, ' ').replace(/\s+/g, ' ').trim(); }

function search(msg) {
  var parsed = parse(msg.q || '', msg.live);
  var f = msg.filters || {};
  var years = parsed.years;
  if (f.from || f.to) {
    years = [Math.max(years ? years[0] : 0, +f.from || 0), Math.min(years ? years[1] : 9999, +f.to || 9999)];
  }
  var hasFilter = years || ['venue', 'topic', 'org', 'author'].some(function (k) { return f[k] && f[k].length; });
  if (!parsed.clauses.length && !hasFilter) {
    return Promise.resolve({total: 0, hits: [], facets: null, terms: [], fuzzy: false});
  }
  return Promise.all(parsed.clauses.map(scoreClause)).then(function (per) {
    var total = {}, hits = {}, n = parsed.clauses.length, fuzzy = false, refs;
    per.forEach(function (res, ci) {
      fuzzy = fuzzy || res.fuzzy;
      for (var r in res.scores) {
        total[r] = (total[r] || 0) + res.scores[r];
        hits[r] = (hits[r] || 0) + 1;
        if (parsed.clauses[ci].required) hits[r] += 1000;
      }
    });
    var required = parsed.clauses.filter(function (c) { return c.required; }).length;
    if (n) {
      refs = Object.keys(total);
      // Papers with all terms, or all but one in three (an abstract is
      // indexed by its most distinctive terms only, so a paper can miss a
      // common one), form the result set; if there are none, any match.
      // A coordination factor ranks fuller matches first.
      var need = Math.max(1, n - Math.floor(n / 3));
      var most = refs.filter(function (r) { return hits[r] % 1000 >= need; });
      if (most.length) refs = most;
      if (required) refs = refs.filter(function (r) { return Math.floor(hits[r] / 1000) === required; });
    } else {
      refs = [];
      for (var i = 0; i < manifest.n; i++) refs.push(i.toString(36));
    }
    var ids = refs.map(function (r) { return parseInt(r, 36); });
    var needRows = hasFilter || msg.facets;
    return (needRows ? facetRows(ids) : Promise.resolve(null)).then(function (rowOf) {
      if (hasFilter) ids = ids.filter(function (i) { return matchesFilters(rowOf(i), f, years); });
      var scored = ids.map(function (i) {
        var r = i.toString(36), m = hits[r] % 1000 || 1;
        return {i: i, s: n ? total[r] * (m / n) * (m / n) : 0};
      });
      scored.sort(function (a, b) { return b.s - a.s || a.i - b.i; });
      var offset = msg.offset || 0, limit = msg.limit || 10;
      // Look a little past the window so an exact title can move up into it.
      var win = scored.slice(offset, offset + limit + (offset ? 0 : 4));
      return Promise.all(win.map(function (h) { return chunk(Math.floor(h.i / manifest.chunk)); })).then(function (cs) {
        var plain = norm(msg.q || '');
        win.forEach(function (h, j) {
          h.row = cs[j][h.i % manifest.chunk];
          var title = norm(h.row[1]), text = title + ' ' + norm(h.row[5]);
          if (plain && title === plain) h.s += 1e6;  // the exact title comes first
          parsed.phrases.forEach(function (p) { if (text.indexOf(norm(p)) >= 0) h.s *= 1.5; });
        });
        win.sort(function (a, b) { return b.s - a.s || a.i - b.i; });
        return {
          total: scored.length,
          hits: win.slice(0, limit).map(function (h) { return {ref: h.i, score: h.s, row: h.row}; }),
          facets: msg.facets ? countFacets(ids, rowOf) : null,
          terms: parsed.clauses.map(function (c) { return c.term; }).concat(parsed.clauses.map(function (c) { return c.raw; })),
          fuzzy: fuzzy
        };
      });
    });
  });
}

self.onmessage = function (e) {
  var msg = e.data;
  if (msg.type === 'init') {
    init(msg.root).then(function (m) {
      self.postMessage({type: 'ready', n: m.n, page: m.page});
    }, function (err) { self.postMessage({type: 'error', id: 0, error: String(err)}); });
    return;
  }
  if (msg.type === 'query') {
    ready.then(function () { return search(msg); }).then(function (res) {
      res.type = 'results';
      res.id = msg.id;
      self.postMessage(res);
    }, function (err) {
      self.postMessage({type: 'error', id: msg.id, error: String(err)});
    });
  }
};
