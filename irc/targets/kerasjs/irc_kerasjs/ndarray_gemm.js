// Substitutes for the `ndarray-gemm` module in irc's Keras.js build (build.js resolves
// `ndarray-gemm` here): gemm(c, a, b, alpha = 1, beta = 0) sets c = alpha * a * b + beta * c
// as ndarray-gemm does. 2-D float32 operands of any strides take irc's packed kernel once
// the product is big enough to pay for the copies; everything else goes to ndarray-gemm.
'use strict';

const original = require('ndarray-gemm/gemm.js');
const { heap } = require('./kernels');

const MIN_WORK = 1 << 15;   // m*n*k below this: ndarray-gemm's plain loops are as quick

function isMatrix(t) {
  return t && !Array.isArray(t) && t.shape && t.shape.length === 2 && t.data instanceof Float32Array;
}

function gemm(c, a, b, alpha, beta) {
  if (alpha === undefined) alpha = 1.0;
  if (beta === undefined) beta = 0.0;
  if (!isMatrix(c) || !isMatrix(a) || !isMatrix(b)) return original(c, a, b, alpha, beta);
  const [m, k] = a.shape;
  const n = b.shape[1];
  if (c.shape[0] !== m || c.shape[1] !== n || b.shape[0] !== k || m * n * k < MIN_WORK) {
    return original(c, a, b, alpha, beta);
  }
  const h = heap();
  const rows = (m + 3) & ~3;
  const np = Math.ceil(n / 8);
  const ldc = np * 8;
  const [pa, pb, pc] = h.scratch([rows * k, np * k * 8, rows * ldc]);
  const f = h.f32;
  // A, rows padded with zeros
  const ad = a.data;
  for (let i = 0, o = pa >>> 2; i < rows; i++) {
    for (let kk = 0; kk < k; kk++, o++) f[o] = i < m ? ad[a.offset + i * a.stride[0] + kk * a.stride[1]] : 0;
  }
  // B in 8-column panels
  const bd = b.data;
  for (let j = 0, o = pb >>> 2; j < np; j++) {
    for (let kk = 0; kk < k; kk++) {
      for (let q = 0; q < 8; q++, o++) {
        const col = j * 8 + q;
        f[o] = col < n ? bd[b.offset + kk * b.stride[0] + col * b.stride[1]] : 0;
      }
    }
  }
  // C = beta * c (beta 0 ignores c, as ndarray-gemm does), then += alpha * A * B
  const cd = c.data;
  const c0 = pc >>> 2;
  f.fill(0, c0, c0 + rows * ldc);
  if (beta !== 0) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) f[c0 + i * ldc + j] = beta * cd[c.offset + i * c.stride[0] + j * c.stride[1]];
    }
  }
  h.kernel.gemm(pa, k, pb, pc, ldc, rows / 4, np, k, alpha);
  const g = h.f32;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) cd[c.offset + i * c.stride[0] + j * c.stride[1]] = g[c0 + i * ldc + j];
  }
  return c;
}

module.exports = gemm;
