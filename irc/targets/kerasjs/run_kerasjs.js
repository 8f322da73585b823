#!/usr/bin/env node
// Run a Keras.js 1.0 model.bin on the CPU in Node.
//
//   node run_kerasjs.js MODEL_BIN REQUEST_DIR [REQUEST_DIR ...]
//
// The request/response protocol is in kerasjs_runner.js.
'use strict';

const { main, ready } = require('./kerasjs_runner');

main({
  package: 'keras-js',
  modelFiles: ['MODEL_BIN'],
  // Model._initialize logs a failed read or decode and carries on, then throws "does not
  // contain any layers": ready() reports the logged cause.
  load: (KerasJS, [modelBin]) => ready(new KerasJS.Model({ filepath: modelBin, filesystem: true, gpu: false })),
  inputNames: (model) => model.inputLayerNames,
  outputShape: (model, name) => model.modelLayersMap.get(name).output.tensor.shape.slice(),
});
