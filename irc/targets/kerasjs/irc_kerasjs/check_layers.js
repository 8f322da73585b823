#!/usr/bin/env node
// Layer-level check: irc's Conv2D / Conv2DTranspose / SeparableConv2D / Dense / pooling / Add / Activation and the
// ndarray-gemm substitute
// against stock keras-js 1.0.3 on random weights, over paddings, strides, dilations,
// activations, bias on/off, odd sizes and a strided (transposed) input.
//
//   [IRC_KERASJS_KERNEL=js] [IRC_KERASJS_BUILD=DIR] node check_layers.js
//
// tests/targets/test_kerasjs_builds.py runs it with each kernel. IRC_KERASJS_BUILD: where the
// build is (default build/kerasjs-irc), as for irc itself (irc/targets/node/modules.py).
'use strict';

const path = require('path');

const ROOT = path.resolve(__dirname, '../../../..');
const BUILD = path.resolve(process.env.IRC_KERASJS_BUILD || path.join(ROOT, 'build/kerasjs-irc'));
const stock = require(path.join(ROOT, 'node_modules/keras-js'));
const ours = require(path.join(BUILD, 'keras-irc.node.js'));
const TOLERANCE = 1e-5;

let seed = 7;
function rand(n) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    out[i] = (seed / 4294967296) * 2 - 1;
  }
  return out;
}

function dense(t) {
  const out = [];
  const walk = (axis, off) => {
    if (axis === t.shape.length) return void out.push(t.data[off]);
    for (let i = 0; i < t.shape[axis]; i++) walk(axis + 1, off + i * t.stride[axis]);
  };
  walk(0, t.offset);
  return out;
}

function compare(label, a, b) {
  const x = dense(a.tensor);
  const y = dense(b.tensor);
  let diff = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    lo = Math.min(lo, x[i]);
    hi = Math.max(hi, x[i]);
  }
  const rel = diff / (hi - lo || 1);
  const ok = x.length === y.length && JSON.stringify(a.tensor.shape) === JSON.stringify(b.tensor.shape)
    && Number.isFinite(diff) && rel <= TOLERANCE;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}: shape [${b.tensor.shape}] max abs diff ${diff.toExponential(2)}, relative ${rel.toExponential(2)}`);
  return ok;
}

function layerPair(cls, attrs, weights) {
  return [stock, ours].map((K) => {
    const layer = new K.layers[cls]({ ...attrs, gpu: false });
    layer.setWeights(weights.map(([data, shape]) => new K.Tensor(Float32Array.from(data), shape)));
    return layer;
  });
}

function input(K, data, shape, transposed) {
  const t = new K.Tensor(Float32Array.from(data), shape);
  if (transposed) t.tensor = t.tensor.transpose(1, 0, 2);   // a strided view, shape [W, H, C]
  return t;
}

let failures = 0;
const convCases = [];
for (const padding of ['valid', 'same']) {
  for (const [strides, dilation] of [[[1, 1], [1, 1]], [[2, 2], [1, 1]], [[1, 2], [1, 1]], [[1, 1], [2, 2]], [[1, 1], [1, 3]]]) {
    for (const [C, F, k] of [[3, 5, [3, 3]], [20, 17, [3, 2]], [32, 16, [1, 1]]]) {
      convCases.push({ padding, strides, dilation, C, F, k });
    }
  }
}
convCases.forEach((c, i) => {
  const [H, W] = [9, 11];
  const activation = ['linear', 'relu', 'sigmoid', 'tanh'][i % 4];
  const use_bias = i % 5 !== 0;
  const kernel = [rand(c.k[0] * c.k[1] * c.C * c.F), [c.k[0], c.k[1], c.C, c.F]];
  const weights = use_bias ? [kernel, [rand(c.F), [c.F]]] : [kernel];
  const [a, b] = layerPair('Conv2D', {
    filters: c.F, kernel_size: c.k, strides: c.strides, padding: c.padding, dilation_rate: c.dilation, activation, use_bias,
  }, weights);
  const x = rand(H * W * c.C);
  const transposed = i % 3 === 2;
  for (let run = 0; run < 2; run++) {
    if (!compare(`Conv2D ${JSON.stringify({ ...c, activation, use_bias, transposed })} run ${run}`,
      a.call(input(stock, x, [H, W, c.C], transposed)), b.call(input(ours, x, [H, W, c.C], transposed)))) failures++;
  }
});

let i = 0;
for (const padding of ['valid', 'same']) {
  for (const strides of [[1, 1], [2, 2], [2, 1], [3, 3]]) {
    for (const [C, F, k] of [[3, 5, [3, 3]], [24, 6, [4, 4]], [16, 3, [2, 5]]]) {
      const [H, W] = [5, 7];
      const activation = ['linear', 'relu', 'sigmoid', 'tanh'][i % 4];
      const use_bias = i % 5 !== 0;
      const kernel = [rand(k[0] * k[1] * F * C), [k[0], k[1], F, C]];
      const weights = use_bias ? [kernel, [rand(F), [F]]] : [kernel];
      const [a, b] = layerPair('Conv2DTranspose', { filters: F, kernel_size: k, strides, padding, activation, use_bias }, weights);
      const x = rand(H * W * C);
      const transposed = i % 3 === 2;
      for (let run = 0; run < 2; run++) {
        if (!compare(`Conv2DTranspose ${JSON.stringify({ padding, strides, C, F, k, activation, use_bias, transposed })} run ${run}`,
          a.call(input(stock, x, [H, W, C], transposed)), b.call(input(ours, x, [H, W, C], transposed)))) failures++;
      }
      i++;
    }
  }
}

// SeparableConv2D: the depthwise step, then the pointwise kernels irc writes (the identity for a
// depthwise convolution; the 0/1 sums of groups of `per` input channels for a grouped one) or any.
let sep = 0;
for (const padding of ['valid', 'same']) {
  for (const strides of [[1, 1], [2, 2], [2, 1]]) {
    for (const [C, M, k, per] of [[5, 1, [3, 3], 1], [4, 2, [3, 2], 1], [6, 1, [5, 5], 0], [3, 3, [2, 3], 0], [4, 3, [3, 3], 2]]) {
      const [H, W] = [9, 8];
      const N = C * M;
      const F = per ? (C / per) * M : 7;
      const activation = ['linear', 'relu', 'sigmoid', 'tanh'][sep % 4];
      const use_bias = sep % 5 !== 0;
      const transposed = sep++ % 3 === 2;
      // row c * M + m of a group sum: a 1 in column (c / per) * M + m
      const pointwise = per ? Float32Array.from({ length: N * F }, (_, j) => {
        const [row, col] = [Math.floor(j / F), j % F];
        return col === Math.floor(Math.floor(row / M) / per) * M + (row % M) ? 1 : 0;
      }) : rand(N * F);
      const weights = [[rand(k[0] * k[1] * C * M), [k[0], k[1], C, M]], [pointwise, [1, 1, N, F]]];
      if (use_bias) weights.push([rand(F), [F]]);
      const [a, b] = layerPair('SeparableConv2D', {
        filters: F, kernel_size: k, strides, padding, depth_multiplier: M, activation, use_bias,
      }, weights);
      const x = rand(H * W * C);
      for (let run = 0; run < 2; run++) {
        if (!compare(`SeparableConv2D ${JSON.stringify({ padding, strides, C, M, k, per, activation, use_bias, transposed })} run ${run}`,
          a.call(input(stock, x, [H, W, C], transposed)), b.call(input(ours, x, [H, W, C], transposed)))) failures++;
      }
    }
  }
}

for (const [K, N, use_bias, activation] of [[100, 8192, true, 'relu'], [37, 5, false, 'linear'], [240, 10, true, 'softmax'], [1, 1, true, 'sigmoid']]) {
  const kernel = [rand(K * N), [K, N]];
  const [a, b] = layerPair('Dense', { units: N, activation, use_bias }, use_bias ? [kernel, [rand(N), [N]]] : [kernel]);
  const x = rand(K);
  if (!compare(`Dense ${JSON.stringify({ K, N, use_bias, activation })}`,
    a.call(new stock.Tensor(x, [K])), b.call(new ours.Tensor(Float32Array.from(x), [K])))) failures++;
}

// The ndarray-gemm substitute, through a layer that still calls it: Dot (transposed operands).
for (const axes of [[1, 1], [2, 2]]) {
  const [a, b] = [stock, ours].map((K) => new K.layers.Dot({ axes, gpu: false }));
  const shape = [[40, 33], [40, 33]];
  const xs = shape.map((s) => rand(s[0] * s[1]));
  if (!compare(`Dot axes ${axes} (ndarray-gemm)`,
    a.call(xs.map((x, j) => new stock.Tensor(x, shape[j]))),
    b.call(xs.map((x, j) => new ours.Tensor(Float32Array.from(x), shape[j]))))) failures++;
}

// Pooling (max, average) over paddings, pool sizes and strides, plain and strided inputs.
let q = 0;
for (const cls of ['MaxPooling2D', 'AveragePooling2D']) {
  for (const padding of ['valid', 'same']) {
    for (const [pool_size, strides] of [[[2, 2], [2, 2]], [[3, 3], [2, 2]], [[3, 2], [1, 1]], [[2, 3], [3, 1]], [[1, 1], [2, 2]]]) {
      const [H, W, C] = [9, 7, 6];
      const [a, b] = [stock, ours].map((K) => new K.layers[cls]({ pool_size, strides, padding, gpu: false }));
      const x = rand(H * W * C);
      const transposed = q++ % 3 === 2;
      for (let run = 0; run < 2; run++) {
        if (!compare(`${cls} ${JSON.stringify({ padding, pool_size, strides, transposed })} run ${run}`,
          a.call(input(stock, x, [H, W, C], transposed)), b.call(input(ours, x, [H, W, C], transposed)))) failures++;
      }
    }
  }
}

// Add (two and three inputs; one strided: stock's path) and Activation (relu: ours, tanh: stock's).
for (const [count, transposed] of [[2, false], [3, false], [2, true]]) {
  const [a, b] = [stock, ours].map((K) => new K.layers.Add({ gpu: false }));
  const xs = Array.from({ length: count }, () => rand(5 * 5 * 8));
  if (!compare(`Add ${count} inputs${transposed ? ' (one strided)' : ''}`,
    a.call(xs.map((x, j) => input(stock, x, [5, 5, 8], transposed && j === 1))),
    b.call(xs.map((x, j) => input(ours, x, [5, 5, 8], transposed && j === 1))))) failures++;
}
for (const activation of ['relu', 'tanh']) {
  const [a, b] = [stock, ours].map((K) => new K.layers.Activation({ activation, gpu: false }));
  const x = rand(4 * 6 * 5);
  if (!compare(`Activation ${activation}`, a.call(input(stock, x, [4, 6, 5])), b.call(input(ours, x, [4, 6, 5])))) failures++;
}

console.log(`kernel ${ours.ircKernel}: ${failures ? `FAILED ${failures}` : 'all layer comparisons within tolerance'}`);
process.exit(failures ? 1 : 0);
