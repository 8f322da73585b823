#!/usr/bin/env node
// Stock keras-js 1.0.3 vs irc's Keras.js node build on one model.bin, CPU, in Node.
//
//   node bench_node.js MODEL_BIN [ROUNDS=7] [REPEATS=3] [-- NODE_FLAGS...]
//
// Each round runs one fresh Node process per runtime (run_once.js), alternating which goes
// first; a process's time is the median of its REPEATS predictions after one warm-up.
// Prints each runtime's median over rounds, the median of the per-round ratios
// stock/irc (paired: this shared machine's speed drifts 2-5x between runs), and the largest
// absolute output difference. IRC_KERASJS_KERNEL passes through to irc's runtime.
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const args = dash < 0 ? argv : argv.slice(0, dash);
const nodeFlags = dash < 0 ? [] : argv.slice(dash + 1);
const [modelBin, roundsArg, repeatsArg] = args;
if (!modelBin) {
  console.error('usage: node bench_node.js MODEL_BIN [ROUNDS] [REPEATS] [-- NODE_FLAGS...]');
  process.exit(2);
}
const rounds = Number(roundsArg || 7);
const repeats = Number(repeatsArg || 3);
const RUN = path.join(__dirname, 'run_once.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'irc-kerasjs-bench-'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function run(which) {
  const out = path.join(tmp, `${which}.f32`);
  const flags = which === 'irc' ? nodeFlags : [];
  const line = execFileSync(process.execPath, [...flags, RUN, which, modelBin, out, String(repeats)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
  }).trim().split('\n').pop();
  const result = JSON.parse(line);
  const buf = fs.readFileSync(out);
  result.output = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  result.median = median(result.ms);
  return result;
}

const times = { stock: [], irc: [] };
const ratios = [];
let maxDiff = 0;
let range = [Infinity, -Infinity];
let kernel = null;
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? ['irc', 'stock'] : ['stock', 'irc'];
  const res = {};
  for (const which of order) res[which] = run(which);
  kernel = res.irc.kernel;
  times.stock.push(res.stock.median);
  times.irc.push(res.irc.median);
  ratios.push(res.stock.median / res.irc.median);
  const a = res.stock.output;
  const b = res.irc.output;
  if (a.length !== b.length) throw new Error(`output sizes differ: ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    range = [Math.min(range[0], a[i]), Math.max(range[1], a[i])];
  }
  console.log(`round ${r + 1}/${rounds}: stock ${res.stock.median.toFixed(1)} ms, irc ${res.irc.median.toFixed(1)} ms, ratio ${ratios[r].toFixed(2)}`);
}
fs.rmSync(tmp, { recursive: true, force: true });
const summary = {
  model: modelBin,
  rounds,
  repeats,
  kernel,
  stock_ms: median(times.stock),
  irc_ms: median(times.irc),
  ratio_median: median(ratios),
  ratio_min: Math.min(...ratios),
  ratio_max: Math.max(...ratios),
  max_abs_diff: maxDiff,
  output_range: range,
  rel_diff: maxDiff / (range[1] - range[0] || 1),
};
console.log(JSON.stringify(summary));
