#!/usr/bin/env node
// Time one model in one runtime under Node (see runtimes.js):
//
//   node node_bench.js JOB_JSON
//
// JOB_JSON: a runtimes.js job whose input is {name, shape, file: raw float32}, plus
// output_file (the warm-up run's output, raw float32) and result_file, where the timings go
// as JSON: {backend, load_ms, warmup_ms, runs_ms}. On error: one line on stderr, exit 1.
'use strict';

const fs = require('fs');
const path = require('path');
const { performance } = require('perf_hooks');
const { bench } = require('./runtimes');
const { fail } = require('../../../irc/targets/node/bridge');

globalThis.performance = globalThis.performance || performance;
const NODE_MODULES = path.resolve(__dirname, '..', '..', '..', 'node_modules');

// The runtimes greet and warn on the console; keep that out of the way of the result.
for (const method of ['log', 'info', 'warn', 'debug']) console[method] = () => {};

function libraries(job) {
  if (job.runtime === 'kerasjs') return { KerasJS: require(path.join(NODE_MODULES, 'keras-js')) };
  // irc's build: job.library is its keras-irc.node.js (runtime_benchmark.py finds it)
  if (job.runtime === 'kerasjs-irc') return { KerasJS: require(job.library) };
  if (job.runtime === 'ort') return { ort: require(path.join(NODE_MODULES, 'onnxruntime-web')) };
  const tf = require(path.join(NODE_MODULES, '@tensorflow', 'tfjs'));
  if (job.backend === 'wasm') require(path.join(NODE_MODULES, '@tensorflow', 'tfjs-backend-wasm'));
  // tf.io.http with a fetch that reads model.json and its shards from the disk.
  const readFile = async (url) => new Response(fs.readFileSync(String(url)));
  return { tf, tfjsHandler: (file) => tf.io.http(file, { fetchFunc: readFile }) };
}

async function main(jobFile) {
  const job = JSON.parse(fs.readFileSync(jobFile, 'utf8'));
  const bytes = fs.readFileSync(job.input.file);
  job.input.data = new Float32Array(new Uint8Array(bytes).buffer);
  const { output, ...timings } = await bench(libraries(job), job);
  fs.writeFileSync(job.output_file, Buffer.from(output.buffer));
  fs.writeFileSync(job.result_file, JSON.stringify(timings));
}

if (process.argv.length !== 3) fail('usage: node node_bench.js JOB_JSON');
main(process.argv[2]).then(() => process.exit(0), (err) => fail(err instanceof Error ? err.message : err));
