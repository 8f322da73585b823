#!/usr/bin/env node
// Run a TensorFlow.js layers model (model.json + weight shards) in @tensorflow/tfjs under Node.
//
//   node run_tfjs.js MODEL_JSON BACKEND [--weights DIR] REQUEST_DIR [REQUEST_DIR ...]
//
// BACKEND: "cpu" (tfjs-backend-cpu, plain JavaScript) or "wasm" (tfjs-backend-wasm).
// The model is loaded the way a page loads it, tf.loadLayersModel(url): tf.io.http fetches
// model.json and then every path in its weightsManifest relative to it, here through a fetch
// that reads files from MODEL_JSON's directory (and nothing outside it).
// With --weights DIR, every variable of the loaded model (named by its originalName, i.e.
// the manifest name) is written to DIR as raw float32 plus DIR/weights.json: what tfjs
// decoded from the files, quantized or not.
// REQUEST_DIR/request.json: {"inputs": [{"name", "shape", "file"}]} with raw little-endian
// float32 files, shapes with or without the batch axis of 1. Writes each output (without the
// batch axis) as raw float32 plus REQUEST_DIR/response.json:
// {"outputs": [{"name", "shape", "file"}], "backend", "timing_ms"}.
// On error: one line on stderr, exit status 1.
'use strict';

const fs = require('fs');
const path = require('path');
const { performance } = require('perf_hooks');
const { NODE_MODULES, readRequest, writeTensors, writeResponse, fail } = require('../node/bridge');

// tfjs greets Node users on the console ("install tfjs-node") and warns through it; keep that
// off stdout and stderr unless something fails.
const consoleNoise = [];
for (const method of ['log', 'info', 'warn', 'error', 'debug']) {
  console[method] = (...args) => consoleNoise.push(args.map(String).join(' '));
}

function fileFetch(directory) {
  // A fetch() for tf.io.http: URLs are file paths; only files directly in `directory`.
  return async (url) => {
    const file = path.resolve(String(url));
    if (path.dirname(file) !== directory || !fs.existsSync(file)) {
      return new Response(`no such file: ${url}`, { status: 404, statusText: 'Not Found' });
    }
    return new Response(fs.readFileSync(file), { status: 200 });
  };
}

async function loadModel(tf, modelJson) {
  const file = path.resolve(modelJson);
  const handler = tf.io.http(file, { fetchFunc: fileFetch(path.dirname(file)) });
  return tf.loadLayersModel(handler, { strict: true });
}

function feedTensors(tf, model, inputs) {
  return model.inputLayers.map((layer, i) => {
    const name = model.inputNames[i];
    if (!(name in inputs)) throw new Error(`missing input '${name}'`);
    const expected = model.inputs[i].shape.slice(1);          // [null, ...]
    let shape = inputs[name].shape;
    if (shape.length === expected.length + 1 && shape[0] === 1) shape = shape.slice(1);
    if (JSON.stringify(shape) !== JSON.stringify(expected)) {
      throw new Error(`input '${name}' has shape [${inputs[name].shape}], the model expects [${expected}]`);
    }
    return tf.tensor(inputs[name].data, [1, ...shape], 'float32');
  });
}

function dumpWeights(model, dir) {
  const specs = writeTensors(dir, 'weight', model.weights.map(
    (variable) => [variable.originalName, { shape: variable.shape, data: variable.read().dataSync() }]));
  fs.writeFileSync(path.join(dir, 'weights.json'), JSON.stringify(specs));
}

async function runOne(tf, model, dir) {
  const feeds = feedTensors(tf, model, readRequest(dir).inputs);
  const start = performance.now();
  let outputs = model.predict(feeds.length === 1 ? feeds[0] : feeds);
  outputs = Array.isArray(outputs) ? outputs : [outputs];
  const data = outputs.map((tensor) => tensor.dataSync());   // waits for the backend
  const timingMs = performance.now() - start;
  const specs = writeTensors(dir, 'output', outputs.map(
    (tensor, i) => [model.outputNames[i], { shape: tensor.shape.slice(1), data: data[i] }]));
  tf.dispose([...feeds, ...outputs]);
  writeResponse(dir, { outputs: specs, backend: tf.getBackend(), timing_ms: timingMs });
}

async function run(modelJson, backend, weightsDir, dirs) {
  const tf = require(path.join(NODE_MODULES, '@tensorflow', 'tfjs'));
  if (backend === 'wasm') require(path.join(NODE_MODULES, '@tensorflow', 'tfjs-backend-wasm'));
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to initialize`);
  let model;
  try {
    model = await loadModel(tf, modelJson);
  } catch (err) {
    throw new Error(`cannot load ${modelJson}: ${err.message}`);
  }
  if (weightsDir) dumpWeights(model, weightsDir);
  for (const dir of dirs) await runOne(tf, model, dir);
}

function main(argv) {
  if (argv.length < 2) fail('usage: node run_tfjs.js MODEL_JSON BACKEND [--weights DIR] [REQUEST_DIR ...]');
  const [modelJson, backend, ...rest] = argv;
  let weightsDir = null;
  if (rest[0] === '--weights') {
    weightsDir = rest[1];
    rest.splice(0, 2);
  }
  if (!['cpu', 'wasm'].includes(backend)) fail(`unknown backend '${backend}' (cpu or wasm)`);
  run(modelJson, backend, weightsDir, rest).catch((err) => fail(err instanceof Error ? err.message : err));
}

main(process.argv.slice(2));
