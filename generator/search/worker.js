/* Papershelf search worker.
 *
 * The build writes search/worker.js as lunr.js (from the installed mkdocs
 * package), the manifest (PS_MANIFEST) and this file: the worker is one request.
 *
 * The index is many small lunr indexes, each holding a contiguous range of
 * terms (see generator/search/index.py).  A query is parsed here, each of its
 * terms is looked up in the one shard that holds it (fetched on first use),
 * and the per-term scores are summed: the build wrote every weight with
 * global statistics, so sums from different shards compare like one index.
 * A term that lost postings to the build's trims comes with the list of every
 * paper holding it (the shard's "full" key), so "has every query word" is
 * exact; a rare written form of a term comes with the papers holding that
 * very form ("forms"), and the exact title has its own small files (idx/h/).
 * Nothing is fetched before the first query: the manifest is in this file.
 */
(function () {
'use strict';

var ROOT = '';          // absolute URL of the site's search/ folder
var manifest = null;    // {n, bounds, chunk, block, page}
var ready = null;       // Promise: the manifest is in
var shards = {};        // shard number -> Promise<lunr.Index>
var chunks = {};        // doc chunk number -> Promise<rows>
var abstracts = {};     // doc chunk number -> Promise<abstracts>
var blocks = {};        // facet block number -> Promise<rows>
var titleFiles = {};    // exact-title bucket -> Promise<[[hash, paper], ...]>

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

// The build puts the manifest in this file (PS_MANIFEST); fetch it otherwise.
function init(msg) {
  ROOT = msg.root;
  var m = typeof PS_MANIFEST !== 'undefined' ? Promise.resolve(PS_MANIFEST) : getJSON(ROOT + 'idx/manifest.json');
  ready = m.then(function (data) { manifest = data; return data; });
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
    shards[k] = getJSON(ROOT + 'idx/s/' + k + '.json').then(function (data) {
      var idx = lunr.Index.load(data), full = {}, forms = {};
      // Every paper holding a term whose postings were trimmed (index.py), and
      // the papers holding each rarer written form of a term: encoded, decoded on use.
      (data.full || []).forEach(function (e) { full[data.invertedIndex[e[0]][0]] = e[1]; });
      (data.forms || []).forEach(function (e) {
        var t = data.invertedIndex[e[0]][0];
        (forms[t] = forms[t] || {})[e[1]] = e[2];
      });
      idx.psFull = full;
      idx.psForms = forms;
      return idx;
    });
  }
  return shards[k];
}

// index.py's encode_docs -> a bitmap of the catalog (Uint8Array, bit i of byte i>>3 for paper i).
function decodeDocs(code) {
  var raw = atob(code.slice(1)), bits = new Uint8Array((manifest.n + 7) >> 3), i;
  if (code[0] === 'b') {
    for (i = 0; i < raw.length; i++) bits[i] = raw.charCodeAt(i);
    return bits;
  }
  var cur = 0, shift = 0, prev = -1;
  for (i = 0; i < raw.length; i++) {
    var byte = raw.charCodeAt(i);
    cur += (byte & 0x7f) * Math.pow(2, shift);
    shift += 7;
    if (!(byte & 0x80)) {
      prev += 1 + cur;
      bits[prev >> 3] |= 1 << (prev & 7);
      cur = 0; shift = 0;
    }
  }
  return bits;
}

function hasBit(bits, i) { return (bits[i >> 3] >> (i & 7)) & 1; }

// A title as the build's title_key makes it (producer.py), and its 32-bit FNV-1a hash.
function titleKey(s) { return (s.toLowerCase().match(/[a-z0-9_]+/g) || []).join(' '); }
function titleHash(key) {
  var h = 0x811c9dc5;
  for (var i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

// Papers whose title is exactly the query (by hash; the rows confirm it).
function exactTitles(q) {
  var key = titleKey(q);
  if (!key || !manifest.titles) return Promise.resolve([]);
  var h = titleHash(key), k = h % manifest.titles;
  if (!titleFiles[k]) titleFiles[k] = getJSON(ROOT + 'idx/h/' + k + '.json');
  return titleFiles[k].then(function (pairs) {
    return pairs.filter(function (p) { return p[0] === h; }).map(function (p) { return p[1]; });
  });
}

function chunk(k) {
  if (!chunks[k]) chunks[k] = getJSON(ROOT + 'idx/d/' + k + '.json');
  return chunks[k];
}

function abstractsOf(k) {
  if (!abstracts[k]) abstracts[k] = getJSON(ROOT + 'idx/a/' + k + '.json');
  return abstracts[k];
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
    var scores = {}, title = {}, fuzzy = false, own = idxs[0];
    // Every paper holding the term, when its postings leave some out; the
    // papers holding the very form typed, when it is one of the term's rarer forms.
    var full = own.psFull[c.term] ? decodeDocs(own.psFull[c.term]) : null;
    var forms = own.psForms[c.term], form = forms && forms[c.raw] ? decodeDocs(forms[c.raw]) : null;
    function add(results, factor) {
      results.forEach(function (r) {
        var s = r.score * factor, meta = r.matchData.metadata;
        if (!(r.ref in scores) || scores[r.ref] < s) scores[r.ref] = s;
        for (var t in meta) if (meta[t].t) title[r.ref] = true;
      });
    }
    add(runTerm(idxs[0], c.term, c.fields, {}), 1);
    if (c.prefix) {
      idxs.forEach(function (idx) {
        add(runTerm(idx, c.raw, c.fields, {wildcard: lunr.Query.wildcard.TRAILING}), 0.8);
      });
    }
    function none() { return Object.keys(scores).length === 0 && !full; }
    function fallback() {
      return {scores: scores, title: title, fuzzy: fuzzy, full: null, form: null, partial: false};
    }
    function typo() {
      // A typo can move the term across a shard boundary: ask the neighbours too.
      fuzzy = true;
      var k0 = ks[0], near = [k0 - 1, k0, k0 + 1].filter(function (k) { return k >= 0 && k < manifest.bounds.length; });
      var dist = c.raw.length >= 8 ? 2 : 1;
      return Promise.all(near.map(shard)).then(function (nidx) {
        nidx.forEach(function (idx) { add(runTerm(idx, c.term, c.fields, {editDistance: dist}), 0.6); });
        return fallback();
      });
    }
    if (none() && !c.prefix && c.raw.length >= 4) {
      // No such word: maybe the start of one ('andrehe' for the id 'andrehe02'), as while typing.
      var pa = shardOf(c.raw), pb = shardOf(c.raw + '\uffff'), pk = [];
      for (var k = pa; k <= pb && k < pa + 3; k++) pk.push(k);
      return Promise.all(pk.map(shard)).then(function (pidx) {
        pidx.forEach(function (idx) {
          add(runTerm(idx, c.raw, c.fields, {wildcard: lunr.Query.wildcard.TRAILING}), 0.8);
        });
        if (!none()) return fallback();
        return c.term.length >= 4 ? typo() : fallback();
      });
    }
    if (none() && c.term.length >= 4) return typo();
    // A field-restricted clause (title:, author:) cannot use the lists: they span every field.
    // Such a clause with a trimmed term is not counted against papers it does not list.
    var anyField = c.fields.length === ALL_FIELDS.length;
    return {scores: scores, title: title, fuzzy: fuzzy, full: anyField ? full : null, form: anyField ? form : null,
            partial: !anyField && !!full};
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

// Fewer missing query words first, then titles with every word, then fewer
// words found only in another form (the query's rare form vs its stem), then
// the summed BM25 score, then catalog order.
function byRank(a, b) { return a.miss - b.miss || b.t - a.t || a.f - b.f || b.s - a.s || a.i - b.i; }

// Papers set in every bitmap: those holding every word of a query whose words
// all lost postings to the trims (such a paper may be listed under none of
// them).  Added only when there are at most ``most`` of them: a paper listed
// under none of the words scores 0 and ranks below every listed one, so for a
// broad query ("language model") they would only slow the sort (and make the
// search page count facets over most of the catalog).
function everyBit(maps, into, most) {
  var bytes = maps[0].length, and = new Uint8Array(bytes), count = 0, j, v;
  for (j = 0; j < bytes; j++) {
    v = maps[0][j];
    for (var k = 1; k < maps.length && v; k++) v &= maps[k][j];
    and[j] = v;
    for (; v; v &= v - 1) count++;
  }
  if (count > most) return;
  for (j = 0; j < bytes; j++) {
    for (var b = 0, w = and[j]; w; b++, w >>= 1) {
      if (w & 1) {
        var r = (j * 8 + b).toString(36);
        if (!(r in into)) into[r] = 0;
      }
    }
  }
}

function norm(s) { return s.toLowerCase().replace(/[^\w\s]/g, ' ').replace(/\s+/g, ' ').trim(); }

// ``partial`` (the header box): called with the leading hits while the rest are on their way.
function search(msg, partial) {
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
  var exactTitle = parsed.clauses.length ? exactTitles(msg.q || '') : Promise.resolve([]);
  return Promise.all([Promise.all(parsed.clauses.map(scoreClause)), exactTitle]).then(function (got) {
    var per = got[0], exact = {};
    got[1].forEach(function (i) { exact[i] = true; });
    var total = {}, hits = {}, titled = {}, n = parsed.clauses.length, fuzzy = false, refs, missing = {}, off = {};
    per.forEach(function (res, ci) {
      fuzzy = fuzzy || res.fuzzy;
      for (var r in res.scores) {
        total[r] = (total[r] || 0) + res.scores[r];
        hits[r] = (hits[r] || 0) + 1;
        if (res.title[r]) titled[r] = (titled[r] || 0) + 1;
        if (parsed.clauses[ci].required) hits[r] += 1000;
      }
    });
    var required = parsed.clauses.filter(function (c) { return c.required; }).length;
    if (n) {
      // A paper's missing count: the query words it lacks (a trimmed word's
      // full list says exactly who has it), leaving out words no paper has
      // (a typo without a close match) and field-restricted trimmed words.
      var complete = per.filter(function (res) { return !res.partial && (res.full || Object.keys(res.scores).length); });
      if (complete.length > 1 && complete.every(function (res) { return res.full; })) {
        everyBit(complete.map(function (res) { return res.full; }), total, 5000);
      }
      // The paper whose title is the query, even when listed under none of its words.
      for (var e in exact) if (!((+e).toString(36) in total)) total[(+e).toString(36)] = 0;
      var forms = per.filter(function (res) { return res.form; });
      refs = Object.keys(total);
      refs.forEach(function (r) {
        var miss = 0, other = 0, i = parseInt(r, 36), j;
        for (j = 0; j < complete.length; j++) {
          var res = complete[j];
          if (!(r in res.scores) && !(res.full && hasBit(res.full, i))) miss++;
        }
        for (j = 0; j < forms.length; j++) if (!hasBit(forms[j].form, i)) other++;
        missing[r] = miss;
        off[r] = other;
      });
      // Papers lacking at most one word in three form the result set (if
      // there are none, any match), and papers with more of the words rank
      // first: a paper with every word of a 3-word query beats one with
      // two of them in its title, as a reader who typed words from the
      // paper expects.
      var allow = Math.floor(n / 3);
      var most = refs.filter(function (r) { return missing[r] <= allow; });
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
        var r = i.toString(36);
        // A title holding every query word ranks above mentions elsewhere; the
        // papers whose title hashes like the query go first until their rows say otherwise.
        var miss = n ? missing[r] : 0;
        return {i: i, s: n ? total[r] : 0, miss: exact[i] ? -1 : miss, miss0: miss, t: n && titled[r] === n ? 1 : 0,
                f: n ? off[r] : 0};
      });
      scored.sort(byRank);
      var offset = msg.offset || 0, limit = msg.limit || 10;
      var win = scored.slice(offset, offset + limit);
      // Display rows, and abstracts only where a snippet is shown (the search
      // page) or a quoted phrase is looked for in them.  The rows are asked
      // for in rank order: the browser sends the first ones first.
      var ks = win.map(function (h) { return Math.floor(h.i / manifest.chunk); });
      var rows = ks.map(chunk), texts = msg.snippets || parsed.phrases.length;
      var plain = norm(msg.q || '');
      function fill(h, cs, as) {
        h.row = cs[h.i % manifest.chunk].slice();
        h.row[5] = as ? as[h.i % manifest.chunk] : '';
        var title = norm(h.row[1]), text = title + ' ' + norm(h.row[5]);
        var miss = plain && title === plain ? -1 : h.miss0;  // the exact title comes first
        parsed.phrases.forEach(function (p) { if (text.indexOf(norm(p)) >= 0) h.s *= 1.5; });
        return miss;
      }
      function answer(hits) {
        return {
          total: scored.length,
          hits: hits.map(function (h) { return {ref: h.i, score: h.s, row: h.row}; }),
          terms: parsed.clauses.map(function (c) { return c.term; }).concat(parsed.clauses.map(function (c) { return c.raw; })),
          fuzzy: fuzzy
        };
      }
      if (partial && !texts) {
        // The leading hits go out as soon as their rows are in (one slow row
        // file holds up only the hits after it), while their order is final:
        // a row that moves its paper (a title hashing like the query but
        // reading otherwise) stops the early answers.
        var sent = 0;
        rows.forEach(function (p, j) {
          p.then(function (cs) {
            win[j].cs = cs;
            var k = sent;
            while (k < win.length && win[k].cs) k++;
            if (k <= sent || k === win.length) return;
            for (var x = sent; x < k; x++) {
              if (fill(win[x], win[x].cs, null) !== win[x].miss) { sent = win.length; return; }
            }
            sent = k;
            partial(answer(win.slice(0, k)));
          }, function () {});
        });
      }
      return Promise.all([Promise.all(rows), texts ? Promise.all(ks.map(abstractsOf)) : null])
        .then(function (got) {
        var cs = got[0], as = got[1];
        win.forEach(function (h, j) { h.miss = fill(h, cs[j], as ? as[j] : null); });
        win.sort(byRank);
        var res = answer(win.slice(0, limit));
        res.facets = msg.facets ? countFacets(ids, rowOf) : null;
        return res;
      });
    });
  });
}

self.onmessage = function (e) {
  var msg = e.data;
  if (msg.type === 'init') {
    init(msg).then(function (m) {
      self.postMessage({type: 'ready', n: m.n, page: m.page});
    }, function (err) { self.postMessage({type: 'error', id: 0, error: String(err)}); });
    return;
  }
  if (msg.type === 'query') {
    var early = msg.partial ? function (res) {
      res.type = 'partial';
      res.id = msg.id;
      self.postMessage(res);
    } : null;
    ready.then(function () { return search(msg, early); }).then(function (res) {
      res.type = 'results';
      res.id = msg.id;
      self.postMessage(res);
    }, function (err) {
      self.postMessage({type: 'error', id: msg.id, error: String(err)});
    });
  }
};
})();
