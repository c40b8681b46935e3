// Run a built site's real search/worker.js in node on known-item queries (bench/search_quality.py).
//
//   node bench/search_quality.js SITE_DIR KNOWN_JSON
//
// KNOWN_JSON: [{i, q, title}] (i: the paper's position in the index).  Every query runs in a fresh
// context, as a cold page would: the bytes it fetched (gzip level 6, as the browser bench serves
// them) are its own.  Prints {recall, title, queries: [...]} as JSON.
'use strict';
const fs = require('fs'), vm = require('vm'), path = require('path'), zlib = require('zlib');

const [site, knownFile] = process.argv.slice(2);
const root = path.join(site, 'search') + '/';
const code = new vm.Script(fs.readFileSync(root + 'worker.js', 'utf8'), {filename: 'worker.js'});
const gz = {};
function gzSize(file) {
  if (!(file in gz)) gz[file] = zlib.gzipSync(fs.readFileSync(file), {level: 6}).length;
  return gz[file];
}

// One cold worker: a new global, the worker file run in it, init, then one query.
async function ask(msg) {
  const fetched = [];
  const waiting = {};
  const g = {
    console, setTimeout, atob,
    fetch: (u) => {
      fetched.push(u);
      return Promise.resolve({ok: true, status: 200, json: () => Promise.resolve(JSON.parse(fs.readFileSync(u, 'utf8')))});
    },
    postMessage: (m) => { const f = waiting[m.id || 0]; if (f) { delete waiting[m.id || 0]; f(m); } },
  };
  g.self = g;
  const ctx = vm.createContext(g);
  const t0 = process.hrtime.bigint();
  code.runInContext(ctx);
  await new Promise((res) => { waiting[0] = res; g.onmessage({data: {type: 'init', root}}); });
  const r = await new Promise((res) => {
    waiting[1] = res;
    g.onmessage({data: Object.assign({type: 'query', id: 1}, msg)});
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.type !== 'results') throw new Error(r.error);
  const bytes = fetched.reduce((s, u) => s + gzSize(u), 0);
  return {ids: r.hits.map((h) => h.ref), total: r.total, bytes, files: fetched.length, ms};
}

(async () => {
  const known = JSON.parse(fs.readFileSync(knownFile, 'utf8'));
  const out = [];
  let w = 0, t = 0;
  for (const k of known) {
    // What the header box sends (assets/search/search.js): live, 8 rows.
    const words = await ask({q: k.q, live: true, limit: 8});
    const title = await ask({q: k.title, live: true, limit: 8});
    const hitW = words.ids.slice(0, 5).includes(k.i), hitT = title.ids[0] === k.i;
    w += hitW; t += hitT;
    out.push({i: k.i, q: k.q, title: k.title, words_ok: hitW, title_ok: hitT, words, title_res: title});
  }
  process.stdout.write(JSON.stringify({recall: w / known.length, title: t / known.length, queries: out}));
})().catch((e) => { console.error(e); process.exit(1); });
