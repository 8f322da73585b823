// What the Keras.js runners share (run_kerasjs.js for 1.0, run_kerasjs_legacy.js for 0.3.0):
// the request/response protocol, recording every layer's output, and one-line errors.
//
//   node RUNNER KERASJS MODEL_FILE... REQUEST_DIR [REQUEST_DIR ...]
//
// KERASJS: what to require for Keras.js (a package directory, or irc's build's
// keras-irc.node.js; irc/targets/kerasjs/runtime.py picks it).
// With several REQUEST_DIRs the model is loaded once and run once per directory, in order
// (Node and Keras.js start-up dominate small models).
// REQUEST_DIR/request.json: {"inputs": [{"name", "shape", "file"}], "all_layers": bool}
// with raw little-endian float32 input files in REQUEST_DIR. Writes each output (and with
// all_layers every layer's output) as raw float32 files plus REQUEST_DIR/response.json:
// {"outputs": [{"name", "shape", "file"}], "layers": [...], "timing_ms"}.
// On error: one line on stderr, exit status 1.
'use strict';

const path = require('path');
const { readRequest, writeTensors, writeResponse, fail } = require('../node/bridge');
const { performance } = require('perf_hooks');

// Keras.js logs (and then swallows) load errors and warnings through console; keep them
// off stdout and remember them, so a failure can report the real cause.
const consoleNoise = [];
for (const method of ['log', 'info', 'warn', 'error', 'debug']) {
  console[method] = (...args) => consoleNoise.push(args.map(String).join(' '));
}

// Await a model's ready() promise. Keras.js logs a load error and carries on, so the error
// ready() then gives (if any) hides the cause: report the logged one. With strict, any
// logged error fails the load (Keras.js 0.3.0's ready() resolves even after one).
async function ready(model, strict = false) {
  const noiseBefore = consoleNoise.length;
  let error = null;
  try {
    await model.ready();
  } catch (err) {
    error = err;
  }
  const logged = consoleNoise.slice(noiseBefore).find((line) => /Error/.test(line));
  if (error || (strict && logged)) throw new Error(logged || error.message);
  return model;
}

function checkInputs(model, runtime, inputs) {
  for (const name of runtime.inputNames(model)) {
    if (!(name in inputs)) throw new Error(`missing input '${name}'`);
    const expected = model.modelLayersMap.get(name).shape;
    let shape = inputs[name].shape;
    // Callers may pass the batch dimension of 1; Keras.js runs one sample without it.
    if (shape.length === expected.length + 1 && shape[0] === 1) shape = shape.slice(1);
    if (JSON.stringify(shape) !== JSON.stringify(expected)) {
      throw new Error(`input '${name}' has shape [${inputs[name].shape}], the model expects [${expected}]`);
    }
  }
}

function contiguous(tensor) {
  // Layer outputs are ndarrays that may be strided views (e.g. a transpose); walk them
  // in row-major order.
  const out = new Float32Array(tensor.size);
  let next = 0;
  const walk = (axis, offset) => {
    if (axis === tensor.shape.length) {
      out[next++] = tensor.data[offset];
      return;
    }
    for (let i = 0; i < tensor.shape[axis]; i++) walk(axis + 1, offset + i * tensor.stride[axis]);
  };
  walk(0, tensor.offset);
  return { shape: tensor.shape.slice(), data: out };
}

function recordLayerOutputs(model, recorded) {
  // Snapshot each output when its layer runs: a layer's result may be overwritten later
  // (Keras.js 1.0's BatchNormalization and LeakyReLU work in place on their input's
  // buffer). Installed once per model; `recorded.enabled` switches it.
  model.modelLayersMap.forEach((layer, name) => {
    const call = layer.call.bind(layer);
    layer.call = (x) => {
      const output = call(x);
      if (recorded.enabled) recorded.set(name, contiguous(output.tensor));
      return output;
    };
  });
}

async function runOne(model, runtime, dir, inputs, recorded) {
  checkInputs(model, runtime, inputs);
  const feed = {};
  for (const name of runtime.inputNames(model)) feed[name] = inputs[name].data;
  const start = performance.now();
  const result = await model.predict(feed);
  const timingMs = performance.now() - start;
  // predict() returns {layer name: flat data} for every layer without consumers; the
  // shape comes from the layer itself.
  const outputs = Object.keys(result).map((name) => [
    name, { shape: runtime.outputShape(model, name), data: result[name] }]);
  const response = {
    outputs: writeTensors(dir, 'output', outputs),
    layers: writeTensors(dir, 'layer', [...recorded.entries()]),
    timing_ms: timingMs,
  };
  writeResponse(dir, response);
}

async function run(runtime, kerasjs, modelFiles, dirs) {
  const KerasJS = require(path.resolve(kerasjs));
  const model = await runtime.load(KerasJS, modelFiles.map((file) => path.resolve(file)));
  const recorded = new Map();
  let recording = false;
  for (const dir of dirs) {
    const { inputs, request } = readRequest(dir);
    const allLayers = Boolean(request.all_layers);
    if (allLayers && !recording) {
      recordLayerOutputs(model, recorded);
      recording = true;
    }
    recorded.clear();
    recorded.enabled = allLayers;
    await runOne(model, runtime, dir, inputs, recorded);
  }
}

// runtime: {modelFiles (names, for the usage line),
// load(KerasJS, [absolute model file paths]) -> Promise<model>, inputNames(model),
// outputShape(model, layer name)}.
function main(runtime) {
  const tool = path.basename(process.argv[1], '.js');
  const args = process.argv.slice(2);
  const count = runtime.modelFiles.length;
  if (args.length < count + 2) {
    fail(`usage: node ${tool}.js KERASJS ${runtime.modelFiles.join(' ')} REQUEST_DIR [REQUEST_DIR ...]`);
  }
  run(runtime, args[0], args.slice(1, count + 1), args.slice(count + 1))
    .catch((err) => fail(err instanceof Error ? err.message : err));
}

module.exports = { main, run, ready };
