#!/usr/bin/env node
// Run a Keras.js 1.0 model.bin on the CPU in Node.
//
//   node run_kerasjs.js MODEL_BIN REQUEST_DIR [REQUEST_DIR ...]
//
// With several REQUEST_DIRs the model is loaded once and run once per directory, in order
// (Node and Keras.js start-up dominate small models).
// REQUEST_DIR/request.json: {"inputs": [{"name", "shape", "file"}], "all_layers": bool}
// with raw little-endian float32 input files in REQUEST_DIR. Writes each output (and with
// all_layers every layer's output) as raw float32 files plus REQUEST_DIR/response.json:
// {"outputs": [{"name", "shape", "file"}], "layers": [...], "timing_ms"}.
// On error: one line on stderr, exit status 1.
'use strict';

const fs = require('fs');
const path = require('path');
const { performance } = require('perf_hooks');

const NODE_MODULES = path.resolve(__dirname, '..', '..', 'node_modules');

// Keras.js logs (and then swallows) load errors and warnings through console; keep them
// off stdout and remember them, so a failure can report the real cause.
const consoleNoise = [];
for (const method of ['log', 'info', 'warn', 'error', 'debug']) {
  console[method] = (...args) => consoleNoise.push(args.map(String).join(' '));
}

function readRequest(dir) {
  const request = JSON.parse(fs.readFileSync(path.join(dir, 'request.json'), 'utf8'));
  const inputs = {};
  for (const spec of request.inputs) {
    const bytes = fs.readFileSync(path.join(dir, spec.file));
    // Copy into a fresh, aligned buffer: Float32Array views need 4-byte alignment.
    inputs[spec.name] = { shape: spec.shape, data: new Float32Array(new Uint8Array(bytes).buffer) };
  }
  return { inputs, allLayers: Boolean(request.all_layers) };
}

function checkInputs(model, inputs) {
  for (const name of model.inputLayerNames) {
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
  // Snapshot each output when its layer runs: reading layer.output.tensor after predict()
  // is wrong for layers feeding BatchNormalization or LeakyReLU, which overwrite their
  // input's buffer in place. Installed once per model; `recorded.enabled` switches it.
  model.modelLayersMap.forEach((layer, name) => {
    const call = layer.call.bind(layer);
    layer.call = (x) => {
      const output = call(x);
      if (recorded.enabled) recorded.set(name, contiguous(output.tensor));
      return output;
    };
  });
}

function writeTensors(dir, prefix, entries) {
  return entries.map(([name, { shape, data }]) => {
    const file = `${prefix}_${name}.f32`;
    fs.writeFileSync(path.join(dir, file), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return { name, shape, file };
  });
}

async function loadModel(KerasJS, modelBin) {
  const noiseBefore = consoleNoise.length;
  const model = new KerasJS.Model({ filepath: path.resolve(modelBin), filesystem: true, gpu: false });
  try {
    await model.ready();
  } catch (err) {
    // Model._initialize logs a failed read or decode and carries on, so the error it then
    // throws ("does not contain any layers") hides the cause.
    const logged = consoleNoise.slice(noiseBefore).find((line) => /Error/.test(line));
    throw new Error(logged || err.message);
  }
  return model;
}

async function run(modelBin, dirs) {
  const KerasJS = require(path.join(NODE_MODULES, 'keras-js'));
  const model = await loadModel(KerasJS, modelBin);
  const recorded = new Map();
  let recording = false;
  for (const dir of dirs) {
    const { inputs, allLayers } = readRequest(dir);
    if (allLayers && !recording) {
      recordLayerOutputs(model, recorded);
      recording = true;
    }
    recorded.clear();
    recorded.enabled = allLayers;
    await runOne(model, dir, inputs, recorded);
  }
}

async function runOne(model, dir, inputs, recorded) {
  checkInputs(model, inputs);
  const feed = {};
  for (const name of model.inputLayerNames) feed[name] = inputs[name].data;
  const start = performance.now();
  const result = await model.predict(feed);
  const timingMs = performance.now() - start;
  // predict() returns {layer name: flat data} for every layer without consumers, with
  // names sorted; the shape comes from the layer itself.
  const outputs = Object.keys(result).map((name) => [
    name, { shape: model.modelLayersMap.get(name).output.tensor.shape.slice(), data: result[name] }]);
  const response = {
    outputs: writeTensors(dir, 'output', outputs),
    layers: writeTensors(dir, 'layer', [...recorded.entries()]),
    timing_ms: timingMs,
  };
  fs.writeFileSync(path.join(dir, 'response.json'), JSON.stringify(response));
}

function fail(message) {
  process.stderr.write(`run_kerasjs: ${String(message).split('\n')[0]}\n`);
  process.exit(1);
}

if (process.argv.length < 4) {
  fail('usage: node run_kerasjs.js MODEL_BIN REQUEST_DIR [REQUEST_DIR ...]');
}
run(process.argv[2], process.argv.slice(3)).catch((err) => fail(err instanceof Error ? err.message : err));
