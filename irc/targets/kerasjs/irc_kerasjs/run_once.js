#!/usr/bin/env node
// One Keras.js run in a fresh process, for bench_node.js and check.js:
//
//   node run_once.js stock|irc MODEL_BIN OUT_F32 [REPEATS]
//
// Loads MODEL_BIN (CPU), feeds every input a fixed pseudo-random uniform(-1, 1) tensor,
// predicts once to warm up, then REPEATS (default 3) timed predictions; writes the first
// output (raw float32) to OUT_F32 and prints one JSON line: {kernel, ms: [...], shape}.
// IRC_KERASJS_KERNEL=js|wasm-simd|relaxed-simd forces irc's kernel.
'use strict';

const fs = require('fs');
const path = require('path');
const { performance } = require('perf_hooks');

const ROOT = path.resolve(__dirname, '../../../..');
const [which, modelBin, outFile, repeatsArg] = process.argv.slice(2);
const repeats = Number(repeatsArg || 3);

// Keras.js chats on console.log while loading.
const log = console.log;
console.log = () => {};
console.info = () => {};
console.warn = () => {};

function uniform(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

async function main() {
  const KerasJS = which === 'stock'
    ? require(path.join(ROOT, 'node_modules/keras-js'))
    : require(path.join(ROOT, 'build/kerasjs-irc/keras-irc.node.js'));
  const model = new KerasJS.Model({ filepath: path.resolve(modelBin), filesystem: true, gpu: false });
  await model.ready();
  const feed = {};
  model.inputLayerNames.forEach((name, i) => {
    const shape = model.modelLayersMap.get(name).shape;
    feed[name] = uniform(shape.reduce((a, b) => a * b, 1), 12345 + i);
  });
  let result = await model.predict(feed);
  const ms = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    result = await model.predict(feed);
    ms.push(performance.now() - start);
  }
  const name = Object.keys(result)[0];
  const data = Float32Array.from(result[name]);
  fs.writeFileSync(outFile, Buffer.from(data.buffer));
  const shape = model.modelLayersMap.get(name).output.tensor.shape.slice();
  log(JSON.stringify({ kernel: KerasJS.ircKernel || 'stock', ms, shape }));
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack || err}\n`);
  process.exit(1);
});
