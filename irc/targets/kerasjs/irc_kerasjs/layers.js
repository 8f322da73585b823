// irc's flat CPU paths for Keras.js 1.0.3's Conv2D, Conv2DTranspose and Dense, installed as
// `_callCPU` overrides on their prototypes. Each computes what the stock `_callCPU`
// computes (same output Tensor shape, bias, activation) with the weights packed once per
// layer into the kernel's heap; any case not handled here runs the stock method.
// The WebGL path (`_callGPU`) is untouched.
'use strict';

const { heap } = require('./kernels');

// -> the ndarray's elements as a row-major Float32Array (the data itself when it already is)
function flat(t) {
  const n = t.size;
  const shape = t.shape;
  const stride = t.stride;
  let expect = 1;
  let contiguous = true;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expect) contiguous = false;
    expect *= shape[i];
  }
  if (contiguous && t.data instanceof Float32Array) return t.data.subarray(t.offset, t.offset + n);
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
  if (t.offset !== 0 || t.data.length !== t.size) return false;
  let expect = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expect) return false;
    expect *= t.shape[i];
  }
  return true;
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

// Conv2DTranspose's col2im: add each input pixel's kh x kw x F patch (row i*W+j of the
// product g, row stride ldc, from float index c0) onto out (outH x outW x F) at
// (i*s0 + r - padT, j*s1 + c - padL), dropping what falls outside (the 'same' crop), in
// the stock order (pixels row-major, then kernel rows and columns).
function scatter(out, g, c0, ldc, H, W, kh, kw, F, s0, s1, padT, padL, outH, outW) {
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      const src = c0 + (i * W + j) * ldc;
      for (let r = 0; r < kh; r++) {
        const oy = i * s0 + r - padT;
        if (oy < 0 || oy >= outH) continue;
        for (let c = 0; c < kw; c++) {
          const ox = j * s1 + c - padL;
          if (ox < 0 || ox >= outW) continue;
          const s = src + (r * kw + c) * F;
          const d = (oy * outW + ox) * F;
          for (let n = 0; n < F; n++) out[d + n] += g[s + n];
        }
      }
    }
  }
}

function install(layers, Tensor) {
  const Conv2D = layers.Conv2D.prototype;
  const Conv2DTranspose = layers.Conv2DTranspose.prototype;
  const Dense = layers.Dense.prototype;
  const stock = {
    Conv2D: Conv2D._callCPU,
    Conv2DTranspose: Conv2DTranspose._callCPU,
    Dense: Dense._callCPU,
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
    this.output = new Tensor([], this.outputShape);
    const out = this.output.tensor.data;
    const g = h.f32;
    if (ldc === F) {
      out.set(g.subarray(c0, c0 + P * F));
    } else {
      for (let p = 0; p < P; p++) out.set(g.subarray(c0 + p * ldc, c0 + p * ldc + F), p * F);
    }
    this.activationFunc(this.output);
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
    const [pa, pc] = h.scratch([rows * C, rows * ldc]);
    const f = h.f32;
    const a = pa >>> 2;
    f.set(xd, a);
    f.fill(0, a + M * C, a + rows * C);
    const c0 = pc >>> 2;
    f.fill(0, c0, c0 + rows * ldc);
    gemm(h, pa, packed, pc, rows);
    // scatter each input pixel's kh x kw x F patch onto the output, cropping the padding
    this.output = new Tensor([], this.outputShape);
    const out = this.output.tensor.data;
    scatter(out, h.f32, c0, ldc, H, W, kh, kw, F, s0, s1, padT, padL, outH, outW);
    if (this.useBias) {
      const bias = flat(this.weights['bias'].tensor);
      for (let p = 0, d = 0; p < outH * outW; p++) {
        for (let n = 0; n < F; n++, d++) out[d] += bias[n];
      }
    }
    this.activationFunc(this.output);
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
