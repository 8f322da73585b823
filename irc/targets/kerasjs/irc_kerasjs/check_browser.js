#!/usr/bin/env node
// Browser check of build/kerasjs-irc/keras-irc.min.js against keras-js's dist/keras.min.js
// in headless Chromium (playwright-core): the global's API, the kernel picked, the output
// difference and paired timings (alternated rounds, a fresh page per runtime per round).
//
//   node check_browser.js MODEL_BIN [ROUNDS=5] [CHROMIUM=/usr/bin/chromium]
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');

const ROOT = path.resolve(__dirname, '../../../..');
const { chromium } = require(path.join(ROOT, 'node_modules/playwright-core'));
const [modelBin, roundsArg, exe] = process.argv.slice(2);
const rounds = Number(roundsArg || 5);
const BUNDLES = {
  stock: path.join(ROOT, 'node_modules/keras-js/dist/keras.min.js'),
  irc: path.join(ROOT, 'build/kerasjs-irc/keras-irc.min.js'),
};

const server = http.createServer((req, res) => {
  const file = req.url === '/model.bin' ? path.resolve(modelBin)
    : req.url.startsWith('/bundle/') ? BUNDLES[req.url.slice(8)] : null;
  if (req.url === '/') {
    res.setHeader('content-type', 'text/html');
    return res.end('<!doctype html><meta charset="utf-8"><title>check</title>');
  }
  if (!file) return res.writeHead(404).end();
  res.setHeader('content-type', file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'application/octet-stream');
  fs.createReadStream(file).pipe(res);
});

async function inPage(browser, which, origin) {
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.error(`[${which} page] ${err.message}`));
  await page.goto(`${origin}/`);
  await page.addScriptTag({ url: `/bundle/${which}` });
  const result = await page.evaluate(async () => {
    const K = window.KerasJS;
    const model = new K.Model({ filepath: '/model.bin', gpu: false });
    await model.ready();
    const feed = {};
    model.inputLayerNames.forEach((name, i) => {
      const shape = model.modelLayersMap.get(name).shape;
      const n = shape.reduce((a, b) => a * b, 1);
      const x = new Float32Array(n);
      let s = (12345 + i) >>> 0;
      for (let j = 0; j < n; j++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        x[j] = (s / 4294967296) * 2 - 1;
      }
      feed[name] = x;
    });
    let out = await model.predict(feed);
    const ms = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      out = await model.predict(feed);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return {
      keys: Object.keys(K).sort(),
      kernel: K.ircKernel || 'stock',
      ms: ms[1],
      output: Array.from(Object.values(out)[0]),
    };
  });
  await page.close();
  return result;
}

async function main() {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: exe || '/usr/bin/chromium', args: ['--no-sandbox'] });
  const ratios = [];
  const times = { stock: [], irc: [] };
  let maxDiff = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let info = null;
  for (let r = 0; r < rounds; r++) {
    const res = {};
    for (const which of r % 2 ? ['irc', 'stock'] : ['stock', 'irc']) res[which] = await inPage(browser, which, origin);
    times.stock.push(res.stock.ms);
    times.irc.push(res.irc.ms);
    ratios.push(res.stock.ms / res.irc.ms);
    res.stock.output.forEach((v, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - res.irc.output[i]));
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    });
    const missing = res.stock.keys.filter((k) => !res.irc.keys.includes(k));
    info = { kernel: res.irc.kernel, stock_keys: res.stock.keys, irc_keys: res.irc.keys, missing_keys: missing };
    console.log(`round ${r + 1}/${rounds}: stock ${res.stock.ms.toFixed(1)} ms, irc ${res.irc.ms.toFixed(1)} ms (${res.irc.kernel})`);
  }
  await browser.close();
  server.close();
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(JSON.stringify({
    model: modelBin, rounds, ...info,
    stock_ms: median(times.stock), irc_ms: median(times.irc), ratio_median: median(ratios),
    max_abs_diff: maxDiff, rel_diff: maxDiff / (hi - lo || 1),
  }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
