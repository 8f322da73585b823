#!/usr/bin/env node
// irc's Keras.js node build vs stock keras-js 1.0.3: same model.bin, same input, every kernel.
//
//   node check.js MODEL_BIN [MODEL_BIN ...]
//
// Per model: one stock run, then irc with its default kernel, with IRC_KERASJS_KERNEL=js
// (the JavaScript fallback), with IRC_KERASJS_KERNEL=wasm-simd and, under
// --experimental-wasm-relaxed-simd, relaxed-simd. Each run is a fresh process
// (run_once.js). Passes when max |irc - stock| / (stock output range) <= 1e-5.
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const TOLERANCE = 1e-5;
const RUN = path.join(__dirname, 'run_once.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'irc-kerasjs-check-'));
const VARIANTS = [
  { name: 'default', env: {}, flags: [] },
  { name: 'js', env: { IRC_KERASJS_KERNEL: 'js' }, flags: [] },
  { name: 'wasm-simd', env: { IRC_KERASJS_KERNEL: 'wasm-simd' }, flags: [] },
  { name: 'relaxed-simd', env: { IRC_KERASJS_KERNEL: 'relaxed-simd' }, flags: ['--experimental-wasm-relaxed-simd'] },
];

function run(which, modelBin, variant = VARIANTS[0]) {
  const out = path.join(tmp, 'out.f32');
  const env = { ...process.env, ...variant.env };
  if (!variant.env.IRC_KERASJS_KERNEL) delete env.IRC_KERASJS_KERNEL;
  const line = execFileSync(process.execPath, [...variant.flags, RUN, which, modelBin, out, '1'], {
    encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'],
  }).trim().split('\n').pop();
  const result = JSON.parse(line);
  const buf = fs.readFileSync(out);
  result.output = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  return result;
}

let failed = 0;
for (const modelBin of process.argv.slice(2)) {
  const stock = run('stock', modelBin);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of stock.output) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  for (const variant of VARIANTS) {
    const ours = run('irc', modelBin, variant);
    let maxDiff = 0;
    let nonFinite = 0;
    for (let i = 0; i < stock.output.length; i++) {
      const d = Math.abs(ours.output[i] - stock.output[i]);
      if (!Number.isFinite(d)) nonFinite++;
      else maxDiff = Math.max(maxDiff, d);
    }
    const rel = maxDiff / (hi - lo || 1);
    const ok = ours.output.length === stock.output.length && nonFinite === 0
      && JSON.stringify(ours.shape) === JSON.stringify(stock.shape) && rel <= TOLERANCE;
    if (!ok) failed++;
    console.log(JSON.stringify({
      model: modelBin, variant: variant.name, kernel: ours.kernel, shape: ours.shape,
      max_abs_diff: maxDiff, output_range: [lo, hi], rel_diff: rel, ok,
    }));
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(failed ? `FAILED: ${failed} comparison(s)` : 'all comparisons within tolerance');
process.exit(failed ? 1 : 0);
