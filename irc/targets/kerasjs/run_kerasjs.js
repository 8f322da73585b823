#!/usr/bin/env node
// Run a Keras.js 1.0 model.bin on the CPU in Node, in irc's build or stock keras-js 1.0.3.
//
//   node run_kerasjs.js KERASJS MODEL_BIN REQUEST_DIR [REQUEST_DIR ...]
//
// The request/response protocol is in kerasjs_runner.js.
'use strict';

const { main, ready } = require('./kerasjs_runner');

const KERASJS_1 = {
  modelFiles: ['MODEL_BIN'],
  // Model._initialize logs a failed read or decode and carries on, then throws "does not
  // contain any layers": ready() reports the logged cause.
  load: (KerasJS, [modelBin]) => ready(new KerasJS.Model({ filepath: modelBin, filesystem: true, gpu: false })),
  inputNames: (model) => model.inputLayerNames,
  outputShape: (model, name) => model.modelLayersMap.get(name).output.tensor.shape.slice(),
};

// Required (by tests that run many models in one process), it only exports the runtime.
if (require.main === module) main(KERASJS_1);
module.exports = KERASJS_1;
