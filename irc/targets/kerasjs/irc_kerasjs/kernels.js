// irc's Keras.js kernels: a wasm SIMD (or relaxed SIMD) register-tiled gemm and gemv, or
// the same two in plain JavaScript, over one growable heap of float32.
//
// Both kernels take byte addresses into their heap (see gen_wat.js for the contract):
//   gemm(a, lda, bp, c, ldc, mt, np, k, alpha): C[4mt x 8np] += alpha * A[4mt x k] * Bpacked
//   gemv(x, w, y, k, nb): y[16nb] += x[k] * W[k x 16nb]
//   col2im(g, ldc, out, H, W, kh, kw, F, s0, s1, padT, padL, outH, outW): Conv2DTranspose's scatter
//   biasact(x, P, F, bias, relu): x[P x F] = act(x + bias) (bias 0: none; relu 0: identity)
//   depthwise(x, w, out, H, W, N, outH, outW, kh, kw, s0, s1, padT, padL): out += depthwise taps
// The kernel is chosen on first use: IRC_KERASJS_KERNEL (process.env in Node, or a global)
// may force 'js', 'wasm-simd' or 'relaxed-simd'; otherwise relaxed SIMD when the engine
// validates it, then SIMD, then JavaScript.
'use strict';

const wasmBytes = require('irc-kerasjs-wasm');   // build.js: {simd, relaxed} base64 strings

const PAGE = 65536;
const align64 = (n) => Math.ceil(n / 64) * 64;   // addresses may pass 2^31: no bitwise ops

function decodeBase64(text) {
  if (typeof Buffer !== 'undefined' && typeof Buffer.from === 'function' && Buffer.from !== Uint8Array.from) {
    const buf = Buffer.from(text, 'base64');
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  }
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function wasmKernel(name, base64) {
  if (typeof WebAssembly !== 'object' || !base64) return null;
  let bytes;
  try {
    bytes = decodeBase64(base64);
    if (!WebAssembly.validate(bytes)) return null;
  } catch (err) {
    return null;
  }
  // Under 4 KB: synchronous compilation is allowed on a browser's main thread.
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const { memory, gemm, gemv, col2im, biasact, depthwise } = instance.exports;
  return {
    name,
    gemm,
    gemv,
    col2im,
    biasact,
    depthwise,
    buffer: () => memory.buffer,
    grow(bytes) {
      const have = memory.buffer.byteLength;
      if (bytes <= have) return;
      const want = Math.max(bytes, Math.min(have * 2, have + 256 * 1024 * 1024));
      memory.grow(Math.ceil((want - have) / PAGE));
    },
  };
}

// The JavaScript kernel: the same contract on a Float32Array heap, 4x8 register tile.
function jsKernel() {
  let buffer = new ArrayBuffer(PAGE);
  let f = new Float32Array(buffer);
  function gemm(a, lda, bp, c, ldc, mt, np, k, alpha) {
    a >>>= 2; bp >>>= 2; c >>>= 2;
    for (let j = 0; j < np; j++) {
      const pb0 = bp + j * k * 8;
      for (let t = 0; t < mt; t++) {
        const a0 = a + 4 * t * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        const c0 = c + 4 * t * ldc + 8 * j, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c04 = 0, c05 = 0, c06 = 0, c07 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0, c14 = 0, c15 = 0, c16 = 0, c17 = 0, c20 = 0, c21 = 0, c22 = 0, c23 = 0, c24 = 0, c25 = 0, c26 = 0, c27 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0, c34 = 0, c35 = 0, c36 = 0, c37 = 0;
        for (let kk = 0, pb = pb0; kk < k; kk++, pb += 8) {
          const b0 = f[pb + 0], b1 = f[pb + 1], b2 = f[pb + 2], b3 = f[pb + 3], b4 = f[pb + 4], b5 = f[pb + 5], b6 = f[pb + 6], b7 = f[pb + 7];
          const x0 = f[a0 + kk];
          c00 += x0 * b0; c01 += x0 * b1; c02 += x0 * b2; c03 += x0 * b3; c04 += x0 * b4; c05 += x0 * b5; c06 += x0 * b6; c07 += x0 * b7;
          const x1 = f[a1 + kk];
          c10 += x1 * b0; c11 += x1 * b1; c12 += x1 * b2; c13 += x1 * b3; c14 += x1 * b4; c15 += x1 * b5; c16 += x1 * b6; c17 += x1 * b7;
          const x2 = f[a2 + kk];
          c20 += x2 * b0; c21 += x2 * b1; c22 += x2 * b2; c23 += x2 * b3; c24 += x2 * b4; c25 += x2 * b5; c26 += x2 * b6; c27 += x2 * b7;
          const x3 = f[a3 + kk];
          c30 += x3 * b0; c31 += x3 * b1; c32 += x3 * b2; c33 += x3 * b3; c34 += x3 * b4; c35 += x3 * b5; c36 += x3 * b6; c37 += x3 * b7;
        }
        f[c0 + 0] += alpha * c00; f[c0 + 1] += alpha * c01; f[c0 + 2] += alpha * c02; f[c0 + 3] += alpha * c03; f[c0 + 4] += alpha * c04; f[c0 + 5] += alpha * c05; f[c0 + 6] += alpha * c06; f[c0 + 7] += alpha * c07;
        f[c1 + 0] += alpha * c10; f[c1 + 1] += alpha * c11; f[c1 + 2] += alpha * c12; f[c1 + 3] += alpha * c13; f[c1 + 4] += alpha * c14; f[c1 + 5] += alpha * c15; f[c1 + 6] += alpha * c16; f[c1 + 7] += alpha * c17;
        f[c2 + 0] += alpha * c20; f[c2 + 1] += alpha * c21; f[c2 + 2] += alpha * c22; f[c2 + 3] += alpha * c23; f[c2 + 4] += alpha * c24; f[c2 + 5] += alpha * c25; f[c2 + 6] += alpha * c26; f[c2 + 7] += alpha * c27;
        f[c3 + 0] += alpha * c30; f[c3 + 1] += alpha * c31; f[c3 + 2] += alpha * c32; f[c3 + 3] += alpha * c33; f[c3 + 4] += alpha * c34; f[c3 + 5] += alpha * c35; f[c3 + 6] += alpha * c36; f[c3 + 7] += alpha * c37;
      }
    }
  }
  function gemv(x, w, y, k, nb) {
    x >>>= 2; w >>>= 2; y >>>= 2;
    const n = nb * 16;
    for (let kk = 0; kk < k; kk++) {
      const xv = f[x + kk];
      if (xv === 0) continue;
      const row = w + kk * n;
      for (let i = 0; i < n; i++) f[y + i] += xv * f[row + i];
    }
  }
  function col2im(g, ldc, out, H, W, kh, kw, F, s0, s1, padT, padL, outH, outW) {
    g >>>= 2; out >>>= 2;
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        const src = g + (i * W + j) * ldc;
        for (let r = 0; r < kh; r++) {
          const oy = i * s0 + r - padT;
          if (oy < 0 || oy >= outH) continue;
          for (let c = 0; c < kw; c++) {
            const ox = j * s1 + c - padL;
            if (ox < 0 || ox >= outW) continue;
            const s = src + (r * kw + c) * F;
            const d = out + (oy * outW + ox) * F;
            for (let n = 0; n < F; n++) f[d + n] += f[s + n];
          }
        }
      }
    }
  }
  function biasact(x, P, F, bias, relu) {
    x >>>= 2; bias >>>= 2;
    for (let p = 0, d = x; p < P; p++) {
      for (let n = 0; n < F; n++, d++) {
        let v = f[d];
        if (bias) v += f[bias + n];
        f[d] = relu ? Math.max(v, 0) : v;
      }
    }
  }
  function depthwise(x, w, out, H, W, N, outH, outW, kh, kw, s0, s1, padT, padL) {
    x >>>= 2; w >>>= 2; out >>>= 2;
    for (let oy = 0, d = out; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++, d += N) {
        for (let r = 0; r < kh; r++) {
          const iy = oy * s0 + r - padT;
          if (iy < 0 || iy >= H) continue;
          for (let c = 0; c < kw; c++) {
            const ix = ox * s1 + c - padL;
            if (ix < 0 || ix >= W) continue;
            const s = x + (iy * W + ix) * N;
            const wr = w + (r * kw + c) * N;
            for (let n = 0; n < N; n++) f[d + n] += f[s + n] * f[wr + n];
          }
        }
      }
    }
  }
  return {
    name: 'js',
    gemm,
    gemv,
    col2im,
    biasact,
    depthwise,
    buffer: () => buffer,
    grow(bytes) {
      if (bytes <= buffer.byteLength) return;
      const next = new ArrayBuffer(Math.ceil(Math.max(bytes, buffer.byteLength * 2) / PAGE) * PAGE);
      new Float32Array(next).set(f);
      buffer = next;
      f = new Float32Array(buffer);
    },
  };
}

// A heap: persistent allocations (packed weights) from the bottom, per-call scratch above.
class Heap {
  constructor(kernel) {
    this.kernel = kernel;
    this.top = 64;
    this.f32 = new Float32Array(kernel.buffer());
  }

  ensure(bytes) {
    this.kernel.grow(bytes);
    const buffer = this.kernel.buffer();
    if (this.f32.buffer !== buffer) this.f32 = new Float32Array(buffer);
  }

  // -> byte address of n floats kept for good
  alloc(n) {
    const p = align64(this.top);
    this.top = p + n * 4;
    this.ensure(this.top);
    return p;
  }

  // -> byte addresses of scratch blocks of sizes[i] floats, valid until the next alloc/scratch
  scratch(sizes) {
    let p = align64(this.top);
    const out = [];
    for (const n of sizes) {
      out.push(p);
      p = align64(p + n * 4);
    }
    this.ensure(p);
    return out;
  }
}

const KERNELS = ['relaxed-simd', 'wasm-simd', 'js'];
let active = null;

function make(name) {
  if (name === 'relaxed-simd') return wasmKernel(name, wasmBytes.relaxed);
  if (name === 'wasm-simd') return wasmKernel(name, wasmBytes.simd);
  if (name === 'js') return jsKernel();
  throw new Error(`[irc Keras.js] unknown kernel '${name}' (one of ${KERNELS.join(', ')})`);
}

function requested() {
  if (typeof process !== 'undefined' && process.env && process.env.IRC_KERASJS_KERNEL) return process.env.IRC_KERASJS_KERNEL;
  if (typeof globalThis !== 'undefined' && globalThis.IRC_KERASJS_KERNEL) return globalThis.IRC_KERASJS_KERNEL;
  return null;
}

// Use kernel `name` from now on ('js', 'wasm-simd', 'relaxed-simd'; null: the best available).
// Layers repack their weights for the new heap on their next call.
function setKernel(name) {
  let kernel = null;
  if (name) {
    kernel = make(name);
    if (!kernel) throw new Error(`[irc Keras.js] kernel '${name}' is not available here`);
  } else {
    for (const candidate of KERNELS) {
      kernel = make(candidate);
      if (kernel) break;
    }
  }
  active = new Heap(kernel);
  return kernel.name;
}

function heap() {
  if (!active) setKernel(requested());
  return active;
}

module.exports = { heap, setKernel, kernelName: () => heap().kernel.name, KERNELS };
