#!/usr/bin/env node
// Run Keras.js 0.3.0's three files (model_arch.json, model_weights.buf,
// model_metadata.json) on the CPU in Node, with keras-js 0.3.0 (installed as keras-js-legacy).
//
//   node run_kerasjs_legacy.js KERASJS MODEL_JSON WEIGHTS_BUF METADATA_JSON REQUEST_DIR [REQUEST_DIR ...]
//
// The request/response protocol is in kerasjs_runner.js.
'use strict';

const { main, ready } = require('../kerasjs/kerasjs_runner');

main({
  modelFiles: ['MODEL_JSON', 'WEIGHTS_BUF', 'METADATA_JSON'],
  // Model._initialize logs any read or build error and resolves anyway, with the layers
  // built so far: strict ready() turns the logged error into the failure.
  load: (KerasJS, [model, weights, metadata]) => ready(
    new KerasJS.Model({ filepaths: { model, weights, metadata }, filesystem: true, gpu: false }), true),
  // predict() takes and checks exactly these keys.
  inputNames: (model) => Object.keys(model.inputTensors).sort(),
  outputShape: (model, name) => model.modelLayersMap.get(name).result.tensor.shape.slice(),
});
