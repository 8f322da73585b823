// irc's flat CPU paths for Keras.js 1.0.3's Conv2D, Conv2DTranspose, SeparableConv2D, Dense,
// pooling, Add and Activation, installed as `_callCPU` overrides on their prototypes. Each
// computes what the stock `_callCPU` computes (same output Tensor shape, bias, activation)
// with the weights packed once per layer into the kernel's heap; any case not handled here
// runs the stock method.
// The WebGL path (`_callGPU`) is untouched.
'use strict';

const { heap } = require('./kernels');
const activations = require('keras-js/lib/activations/index.js');

// -> whether the ndarray's strides are row-major over its shape (axes of length 1 aside)
function rowMajor(t) {
  let expect = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expect) return false;
    expect *= t.shape[i];
  }
  return true;
}

// -> the ndarray's elements as a row-major Float32Array (the data itself when it already is)
function flat(t) {
  const n = t.size;
  const shape = t.shape;
  const stride = t.stride;
  if (rowMajor(t) && t.data instanceof Float32Array) return t.data.subarray(t.offset, t.offset + n);
  const out = new Float32Array(n);
  let i = 0;
  const walk = (axis, off) => {
    if (axis === shape.length) {
      out[i++] = t.data[off];
      return;
    }
    for (let j = 0; j < shape[axis]; j++) walk(axis + 1, off + j * stride[axis]);
  };
  walk(0, t.offset);
  return out;
}

// -> whether t is row-major over the whole of t.data from index 0
function isPlain(t) {
  return t.offset === 0 && t.data.length === t.size && rowMajor(t);
}

// Pack the 2-D ndarray b (k x n) into 8-column panels in heap h: -> {h, ptr, k, n, np}
function packPanels(h, b) {
  const [k, n] = b.shape;
  const np = Math.ceil(n / 8);
  const ptr = h.alloc(np * k * 8);
  const f = h.f32;
  const d = b.data;
  const s0 = b.stride[0];
  const s1 = b.stride[1];
  let o = ptr >>> 2;
  for (let j = 0; j < np; j++) {
    for (let kk = 0; kk < k; kk++) {
      const row = b.offset + kk * s0;
      for (let q = 0; q < 8; q++, o++) {
        const col = j * 8 + q;
        f[o] = col < n ? d[row + col * s1] : 0;
      }
    }
  }
  return { h, ptr, k, n, np };
}

// The layer's packed weights: packed on first use, again after setWeights (a new b) or a
// kernel switch (a new heap). The old copy is not reclaimed (the heap only grows).
function packedFor(layer, b) {
  const h = heap();
  const p = layer._ircPacked;
  if (!p || p.h !== h || p.src !== b) {
    layer._ircPacked = packPanels(h, b);
    layer._ircPacked.src = b;
  }
  return layer._ircPacked;
}

// C (rows x 8np, in the heap at pc) += A (rows x k at pa) * packed B; rows a multiple of 4.
function gemm(h, pa, packed, pc, rows) {
  h.kernel.gemm(pa, packed.k, packed.ptr, pc, packed.np * 8, rows / 4, packed.np, packed.k, 1);
}

const ceil4 = (n) => (n + 3) & ~3;

// The hot loops live in small functions of their own: V8 optimizes them on their first
// long run (on-stack) without deoptimizing on the layer code around them that has not run yet.

// im2col into f from float index a: row p = output pixel, columns (kernel row, kernel col, channel)
function im2col(f, a, xd, H, W, C, outH, outW, kh, kw, s0, s1, d0, d1, padT, padL) {
  const K = kh * kw * C;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      let dst = a + (oy * outW + ox) * K;
      for (let r = 0; r < kh; r++) {
        const iy = oy * s0 + r * d0 - padT;
        for (let c = 0; c < kw; c++, dst += C) {
          const ix = ox * s1 + c * d1 - padL;
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
            f.fill(0, dst, dst + C);
          } else {
            const src = (iy * W + ix) * C;
            if (C >= 16) f.set(xd.subarray(src, src + C), dst);
            else for (let ch = 0; ch < C; ch++) f[dst + ch] = xd[src + ch];
          }
        }
      }
    }
  }
}

// -> a copy of src with its negative values zeroed (keras-js's relu: max(v, 0))
function reluCopy(src) {
  const out = new Float32Array(src);
  const n = out.length;
  for (let i = 0; i < n; i++) if (out[i] < 0) out[i] = 0;
  return out;
}

// out[0:n] += d[0:n]
function addInto(out, d, n) {
  for (let i = 0; i < n; i++) out[i] += d[i];
}

// Pooling window loops (see ircPool2D)
function poolFlat(out, xd, isMax, H, W, C, outW, rowsOut, colsOut, nbRow, nbCol, s0, s1, padT, padB, padL, padR) {
  const Hp = H + padT + padB;
  const Wp = W + padL + padR;
  for (let oi = 0; oi < rowsOut; oi++) {
    const i = oi * s0;   // window's first row in the padded input
    const rowsIn = i < padT ? padT - i : (i + nbRow > Hp - padB ? i + nbRow - (Hp - padB) : 0);
    const r0 = Math.max(0, i - padT);
    const r1 = Math.min(H, i + nbRow - padT);
    for (let oj = 0; oj < colsOut; oj++) {
      const j = oj * s1;
      const colsIn = j < padL ? padL - j : (j + nbCol > Wp - padR ? j + nbCol - (Wp - padR) : 0);
      const c0 = Math.max(0, j - padL);
      const c1 = Math.min(W, j + nbCol - padL);
      const d = (oi * outW + oj) * C;
      if (isMax) {
        out.fill(-Infinity, d, d + C);
        for (let r = r0; r < r1; r++) {
          for (let c = c0; c < c1; c++) {
            const src = (r * W + c) * C;
            for (let n = 0; n < C; n++) {
              const v = xd[src + n];
              if (v > out[d + n]) out[d + n] = v;
            }
          }
        }
      } else {
        for (let r = r0; r < r1; r++) {
          for (let c = c0; c < c1; c++) {
            const src = (r * W + c) * C;
            for (let n = 0; n < C; n++) out[d + n] += xd[src + n];
          }
        }
        const cells = (nbRow - rowsIn) * (nbCol - colsIn);
        for (let n = 0; n < C; n++) out[d + n] /= cells;
      }
    }
  }
}

// x (H x W x C) with each channel repeated M times side by side (H x W x C*M) into f at float index a
function repeatChannels(f, a, xd, P, C, M) {
  for (let p = 0, d = a; p < P; p++) {
    for (let ch = 0; ch < C; ch++) {
      const v = xd[p * C + ch];
      for (let m = 0; m < M; m++) f[d++] = v;
    }
  }
}

// -> for a 1x1 kernel tensor (1, 1, N, F) whose every row holds one 1 and zeros (the pointwise
// kernels irc writes: the identity for a depthwise convolution, the sums of each group's
// partial results for a grouped one), the column of each row's 1 (Int32Array N); else null
function onesColumns(t) {
  if (t.shape.length !== 4 || t.shape[0] !== 1 || t.shape[1] !== 1) return null;
  const [, , n, f] = t.shape;
  const d = flat(t);
  const cols = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let col = -1;
    for (let j = 0; j < f; j++) {
      const v = d[i * f + j];
      if (v === 1 && col < 0) col = j;
      else if (v !== 0) return null;
    }
    if (col < 0) return null;
    cols[i] = col;
  }
  return cols;
}

// out[p, cols[i]] = bias[cols[i]] + the sum of src[p, i] over the rows i in ascending order, in
// doubles and rounded once: what the product with the 0/1 kernel gives, without its zeros
function scatterSum(out, src, cols, bias, P, N, F) {
  const acc = new Float64Array(F);
  for (let p = 0; p < P; p++) {
    if (bias) acc.set(bias);
    else acc.fill(0);
    const row = p * N;
    for (let i = 0; i < N; i++) acc[cols[i]] += src[row + i];
    out.set(acc, p * F);
  }
}

// -> whether the layer's activation is keras-js's relu as layers call it (no alpha, no max
// value: max(v, 0)), which the kernels apply on the flat result
function isPlainRelu(layer) {
  return layer.activationFunc === activations.relu;
}

function install(layers, Tensor) {
  const Conv2D = layers.Conv2D.prototype;
  const Conv2DTranspose = layers.Conv2DTranspose.prototype;
  const Dense = layers.Dense.prototype;
  const stock = {
    Conv2D: Conv2D._callCPU,
    Conv2DTranspose: Conv2DTranspose._callCPU,
    Dense: Dense._callCPU,
    MaxPooling2D: layers.MaxPooling2D.prototype._callCPU,
    AveragePooling2D: layers.AveragePooling2D.prototype._callCPU,
    Add: layers.Add.prototype._callCPU,
    Activation: layers.Activation.prototype._callCPU,
    SeparableConv2D: layers.SeparableConv2D.prototype._callCPU,
  };

  Conv2D._callCPU = function ircConv2D(x) {
    const t = x.tensor;
    if (this.dataFormat !== 'channels_last' || t.shape.length !== 3 || !this.wRowsMat) {
      return stock.Conv2D.call(this, x);
    }
    const [F, kh, kw] = this.kernelShape;
    const [s0, s1] = this.strides;
    const [d0, d1] = this.dilationRate;
    // Stock's 1x1 stride-1 'valid' im2col copies x.tensor.data as it lies (no strides, no
    // offset): leave views that are not plain row-major data to it.
    if (this.padding === 'valid' && kh === 1 && kw === 1 && s0 === 1 && s1 === 1 && !isPlain(t)) {
      return stock.Conv2D.call(this, x);
    }
    this.inputShape = t.shape;
    this._calcOutputShape(this.inputShape);
    const [H, W, C] = t.shape;
    const [outH, outW] = this.outputShape;
    const padT = this.inputPadding[0];
    const padL = this.inputPadding[2];
    const K = kh * kw * C;
    const P = outH * outW;
    const rows = ceil4(P);
    const packed = packedFor(this, this.wRowsMat.tensor);
    const h = packed.h;
    const ldc = packed.np * 8;
    const xd = flat(t);
    const [pa, pc] = h.scratch([rows * K, rows * ldc]);
    const f = h.f32;
    // im2col: row p = output pixel, columns (kernel row, kernel col, channel)
    const a = pa >>> 2;
    if (kh === 1 && kw === 1 && s0 === 1 && s1 === 1 && padT === 0 && padL === 0 && P === H * W) {
      f.set(xd, a);   // a 1x1 stride-1 kernel's im2col is the input itself
    } else {
      im2col(f, a, xd, H, W, C, outH, outW, kh, kw, s0, s1, d0, d1, padT, padL);
    }
    f.fill(0, a + P * K, a + rows * K);
    // C starts as the bias (or zero), then += im2col * kernel
    const c0 = pc >>> 2;
    if (this.useBias) {
      const bias = flat(this.weights['bias'].tensor);
      for (let p = 0; p < rows; p++) {
        const row = c0 + p * ldc;
        f.set(bias, row);
        f.fill(0, row + F, row + ldc);
      }
    } else {
      f.fill(0, c0, c0 + rows * ldc);
    }
    gemm(h, pa, packed, pc, rows);
    const relu = isPlainRelu(this);
    if (relu) h.kernel.biasact(pc, P, ldc, 0, 1);
    this.output = new Tensor([], this.outputShape);
    const out = this.output.tensor.data;
    const g = h.f32;
    if (ldc === F) {
      out.set(g.subarray(c0, c0 + P * F));
    } else {
      for (let p = 0; p < P; p++) out.set(g.subarray(c0 + p * ldc, c0 + p * ldc + F), p * F);
    }
    if (!relu) this.activationFunc(this.output);
  };

  Conv2DTranspose._callCPU = function ircConv2DTranspose(x) {
    const t = x.tensor;
    if (this.dataFormat !== 'channels_last' || t.shape.length !== 3 || !this.wRowsMat) {
      return stock.Conv2DTranspose.call(this, x);
    }
    this.inputShape = t.shape;
    this._calcOutputShape(this.inputShape);
    const [H, W, C] = t.shape;
    const [F, kh, kw] = this.kernelShape;
    const [outH, outW] = this.outputShape;
    const [s0, s1] = this.strides;
    const padT = this.outputPadding[0];
    const padL = this.outputPadding[2];
    const M = H * W;
    const rows = ceil4(M);
    const packed = packedFor(this, this.wRowsMat.tensor);   // C x (kh*kw*F)
    const h = packed.h;
    const ldc = packed.np * 8;
    const xd = flat(t);
    const P = outH * outW;
    const [pa, pc, po, pb] = h.scratch([rows * C, rows * ldc, P * F, F]);
    const f = h.f32;
    const a = pa >>> 2;
    f.set(xd, a);
    f.fill(0, a + M * C, a + rows * C);
    const c0 = pc >>> 2;
    f.fill(0, c0, c0 + rows * ldc);
    gemm(h, pa, packed, pc, rows);
    // scatter each input pixel's kh x kw x F patch onto the output (cropping the padding),
    // then bias and ReLU (other activations: keras-js's, on the output tensor)
    const o0 = po >>> 2;
    f.fill(0, o0, o0 + P * F);
    h.kernel.col2im(pc, ldc, po, H, W, kh, kw, F, s0, s1, padT, padL, outH, outW);
    if (this.useBias) f.set(flat(this.weights['bias'].tensor), pb >>> 2);
    const relu = isPlainRelu(this);
    if (this.useBias || relu) h.kernel.biasact(po, P, F, this.useBias ? pb : 0, relu ? 1 : 0);
    this.output = new Tensor([], this.outputShape);
    this.output.tensor.data.set(h.f32.subarray(o0, o0 + P * F));
    if (!relu) this.activationFunc(this.output);
  };

  // SeparableConv2D: its depthwise step (stock: a product over every pair of channels, of which
  // it keeps the diagonal) straight from the input, in the kernel's `depthwise`; its pointwise
  // step irc's Conv2D, or, for the 0/1 kernels irc writes for depthwise and grouped
  // convolutions, only the additions they make (x * 1 plus products with 0 is x for finite
  // values: stock's result).
  layers.SeparableConv2D.prototype._callCPU = function ircSeparableConv2D(x) {
    const t = x.tensor;
    const dw = this._depthwiseConv;
    const pw = this._pointwiseConv;
    const kernel = dw && dw.weights['kernel'] && dw.weights['kernel'].tensor;
    if (this.dataFormat !== 'channels_last' || t.shape.length !== 3 || !kernel || kernel.shape.length !== 4) {
      return stock.SeparableConv2D.call(this, x);
    }
    dw.inputShape = t.shape;
    dw._calcOutputShape(t.shape);
    const [H, W, C] = t.shape;
    const [M, kh, kw] = dw.kernelShape;
    const [outH, outW, N] = dw.outputShape;
    // the kernel (kh, kw, C, M) is (kh * kw) rows of N = C * M weights, as the kernel reads them
    if (!this._ircDepthwise || this._ircDepthwise.h !== heap() || this._ircDepthwise.src !== kernel) {
      const h = heap();
      const ptr = h.alloc(kernel.size);
      h.f32.set(flat(kernel), ptr >>> 2);
      this._ircDepthwise = { h, ptr, src: kernel };
    }
    const { h, ptr } = this._ircDepthwise;
    const P = outH * outW;
    const [px, po] = h.scratch([H * W * N, P * N]);
    const f = h.f32;
    if (M === 1) f.set(flat(t), px >>> 2);
    else repeatChannels(f, px >>> 2, flat(t), H * W, C, M);
    f.fill(0, po >>> 2, (po >>> 2) + P * N);
    h.kernel.depthwise(px, ptr, po, H, W, N, outH, outW, kh, kw, dw.strides[0], dw.strides[1],
                       dw.inputPadding[0], dw.inputPadding[2]);
    const depthwise = new Tensor([], dw.outputShape);
    depthwise.tensor.data.set(h.f32.subarray(po >>> 2, (po >>> 2) + P * N));
    dw.output = depthwise;
    const pointwise = pw.weights['kernel'].tensor;
    if (this._ircOnes === undefined || this._ircOnes.src !== pointwise) {
      this._ircOnes = { src: pointwise, cols: onesColumns(pointwise) };
    }
    if (this._ircOnes.cols) {
      const F = pointwise.shape[3];
      this.output = new Tensor([], [outH, outW, F]);
      scatterSum(this.output.tensor.data, depthwise.tensor.data, this._ircOnes.cols,
                 pw.useBias ? flat(pw.weights['bias'].tensor) : null, outH * outW, N, F);
    } else {
      pw._callCPU(depthwise);
      this.output = pw.output;
    }
    this.activationFunc(this.output);
  };

  // Pooling (max and average), channels_last: stock's windows over its padded input ('same':
  // -Infinity for max, zeros for average, which divides by the cells inside the input as
  // stock counts them), read from the input directly.
  const pool = function ircPool2D(x) {
    const t = x.tensor;
    if (this.dataFormat !== 'channels_last' || t.shape.length !== 3
        || (this.poolingFunc !== 'max' && this.poolingFunc !== 'average')) {
      return stock[this.poolingFunc === 'max' ? 'MaxPooling2D' : 'AveragePooling2D'].call(this, x);
    }
    this._calcOutputShape(t.shape);
    const [H, W, C] = t.shape;
    const [nbRow, nbCol] = this.poolSize;
    const [s0, s1] = this.strides;
    const [padT, padB, padL, padR] = this.inputPadding;
    const [outH, outW] = this.outputShape;
    const Hp = H + padT + padB;
    const Wp = W + padL + padR;
    const rowsOut = Math.min(outH, Hp >= nbRow ? Math.floor((Hp - nbRow) / s0) + 1 : 0);
    const colsOut = Math.min(outW, Wp >= nbCol ? Math.floor((Wp - nbCol) / s1) + 1 : 0);
    const xd = flat(t);
    const isMax = this.poolingFunc === 'max';
    this.output = new Tensor([], this.outputShape);
    const out = this.output.tensor.data;
    poolFlat(out, xd, isMax, H, W, C, outW, rowsOut, colsOut, nbRow, nbCol, s0, s1, padT, padB, padL, padR);
  };
  layers.MaxPooling2D.prototype._callCPU = pool;
  layers.AveragePooling2D.prototype._callCPU = pool;

  // Add: the inputs' sum in input order, on flat data when every input is plain row-major.
  layers.Add.prototype._callCPU = function ircAdd(inputs) {
    const shape = inputs[0].tensor.shape;
    const n = inputs[0].tensor.size;
    if (!inputs.every((x) => isPlain(x.tensor) && x.tensor.data instanceof Float32Array
        && x.tensor.shape.length === shape.length && x.tensor.shape.every((d, i) => d === shape[i]))) {
      return stock.Add.call(this, inputs);
    }
    this.output = new Tensor([], shape.slice());
    const out = this.output.tensor.data;
    out.set(inputs[0].tensor.data);
    for (let k = 1; k < inputs.length; k++) addInto(out, inputs[k].tensor.data, n);
  };

  // Activation('relu'): stock copies x.tensor.data as it lies, then max(v, 0); one pass here.
  layers.Activation.prototype._callCPU = function ircActivation(x) {
    if (this.activationFunc !== activations.relu || !(x.tensor.data instanceof Float32Array)) {
      return stock.Activation.call(this, x);
    }
    this.output = new Tensor(reluCopy(x.tensor.data), x.tensor.shape);
  };

  Dense._callCPU = function ircDense(x) {
    const kernel = this.weights['kernel'] && this.weights['kernel'].tensor;
    if (!kernel || x.tensor.shape.length !== 1 || kernel.shape.length !== 2 || kernel.shape[0] !== x.tensor.shape[0]) {
      return stock.Dense.call(this, x);
    }
    const [K, N] = kernel.shape;
    const nb = Math.ceil(N / 16);
    const ld = nb * 16;
    const h = heap();
    if (!this._ircPacked || this._ircPacked.h !== h || this._ircPacked.src !== kernel) {
      const ptr = h.alloc(K * ld);
      const f = h.f32;
      const d = kernel.data;
      for (let kk = 0; kk < K; kk++) {
        const dst = (ptr >>> 2) + kk * ld;
        for (let n = 0; n < N; n++) f[dst + n] = d[kernel.offset + kk * kernel.stride[0] + n * kernel.stride[1]];
        f.fill(0, dst + N, dst + ld);
      }
      this._ircPacked = { h, ptr, src: kernel };
    }
    const [px, py] = h.scratch([K, ld]);
    const f = h.f32;
    f.set(flat(x.tensor), px >>> 2);
    const y = py >>> 2;
    if (this.use_bias) f.set(flat(this.weights['bias'].tensor), y);
    else f.fill(0, y, y + N);
    f.fill(0, y + N, y + ld);
    h.kernel.gemv(px, this._ircPacked.ptr, py, K, nb);
    this.output = new Tensor([], [this.units]);
    this.output.tensor.data.set(h.f32.subarray(y, y + N));
    this.activationFunc(this.output);
  };
}

module.exports = { install, flat };
