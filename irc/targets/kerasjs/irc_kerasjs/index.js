// irc's Keras.js: keras-js 1.0.3's API and model.bin, with irc's CPU kernels.
// The entry of both builds (build.js): keras-js's exports plus
//   ircKernel     the active matrix kernel: 'relaxed-simd' | 'wasm-simd' | 'js'
//   ircSetKernel  ircSetKernel(name | null) switches kernel (tests), -> its name
'use strict';

const keras = require('keras-js/lib/index.js');
const { install } = require('./layers');
const kernels = require('./kernels');

install(keras.layers, keras.Tensor);

for (const target of [keras, keras.default]) {
  Object.defineProperty(target, 'ircKernel', { enumerable: true, get: kernels.kernelName });
  Object.defineProperty(target, 'ircSetKernel', { enumerable: true, value: kernels.setKernel });
}

module.exports = keras;
