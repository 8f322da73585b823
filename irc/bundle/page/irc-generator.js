// The generator page: one vector input, one H x W x C output with C = 1 or 3 (manifest.json,
// runtime shapes). A grid of images from random z, "Regenerate", and a slider that walks
// the line between two z's.
//
// window.irc additions, for tests:
//   await irc.generate(zs)    draws one image per z (flat Float32Array or Array) into the
//                             grid, replacing it -> {inferMs: mean per image}
//   irc.gridPixels()          -> [RGBA Array of each grid canvas], at the model's resolution
//   irc.toPixels(data, shape, range): how output values become RGBA bytes
"use strict";

(function () {
  const irc = window.irc;
  const COUNT = Math.min(64, Math.max(1, Number(irc.params.get("n")) || 16));   // ?n=: grid size

  function matches(manifest) {
    if (manifest.inputs.length !== 1 || manifest.outputs.length !== 1) return false;
    const latent = irc.sampleShape(manifest.inputs[0]).filter((d) => d > 1);
    const [h, w, c] = irc.sampleShape(manifest.outputs[0]);
    return latent.length === 1 && manifest.outputs[0].shape.length === 4 && h > 1 && w > 1 && (c === 1 || c === 3);
  }

  // Chainer's DCGAN example samples z from uniform(-1, 1) (Generator.make_hidden).
  const randomZ = (size) => Float32Array.from({ length: size }, () => 2 * Math.random() - 1);

  function minMax(data) {
    let lo = Infinity, hi = -Infinity;
    for (const v of data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    return [lo, hi];
  }

  // value_range (manifest.json: [0, 1] after a sigmoid, [-1, 1] after a tanh) maps onto
  // 0..255; without one, each image's own min..max does. Uint8ClampedArray clamps and
  // rounds half to even, like numpy's rint.
  irc.toPixels = (data, [h, w, c], range) => {
    const [lo, hi] = range || minMax(data);
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const rgba = new Uint8ClampedArray(4 * h * w);
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) rgba[4 * p + k] = (data[p * c + (c === 1 ? 0 : k)] - lo) * scale;
      rgba[4 * p + 3] = 255;
    }
    return rgba;
  };

  function draw(canvas, data, output) {
    const [h, w] = irc.sampleShape(output);
    canvas.width = w;
    canvas.height = h;
    const pixels = irc.toPixels(data, irc.sampleShape(output), output.value_range);
    canvas.getContext("2d").putImageData(new ImageData(pixels, w, h), 0, 0);
  }

  function addCanvas(parent) {
    const canvas = document.createElement("canvas");
    canvas.className = "image";
    parent.appendChild(canvas);
    return canvas;
  }

  // Run the model on z and draw the image into canvas; -> the run's milliseconds.
  async function drawZ(canvas, z) {
    const { inputs: [input], outputs: [output] } = irc.manifest;
    const { outputs, ms } = await irc.run({ [input.name]: z });
    draw(canvas, outputs[output.name], output);
    return ms;
  }

  irc.generate = async (zs) => {
    const grid = irc.$("grid");
    grid.replaceChildren();
    grid.style.setProperty("--columns", Math.ceil(Math.sqrt(zs.length)));
    let total = 0;
    for (const z of zs) total += await drawZ(addCanvas(grid), z);
    irc.showInference(total / zs.length);
    return { inferMs: total / zs.length };
  };
  irc.gridPixels = () => [...irc.$("grid").querySelectorAll("canvas")].map(
    (canvas) => Array.from(canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data));

  function latentSize() {
    return irc.size(irc.sampleShape(irc.manifest.inputs[0]));
  }

  const regenerate = () => irc.generate(Array.from({ length: COUNT }, () => randomZ(latentSize())));

  // The slider: the strip shows z0, the point at t, and z1. Moves while a run is in flight
  // coalesce into the latest position.
  const lerp = { ends: null, pending: null, busy: false };

  async function drawLerp(t) {
    const [z0, z1] = lerp.ends;
    await drawZ(irc.$("lerp-strip").children[1], z0.map((a, i) => (1 - t) * a + t * z1[i]));
    irc.$("lerp-t").textContent = t.toFixed(2);
  }

  async function pumpLerp() {
    lerp.busy = true;
    try {
      while (lerp.pending !== null) {
        const t = lerp.pending;
        lerp.pending = null;
        await drawLerp(t);
      }
    } finally {
      lerp.busy = false;
    }
  }

  function requestLerp() {
    lerp.pending = Number(irc.$("lerp").value) / 100;
    if (!lerp.busy) pumpLerp().catch((err) => irc.setStatus(`Error: ${err.message}`, true));
  }

  async function newEnds() {
    lerp.ends = [randomZ(latentSize()), randomZ(latentSize())];
    const strip = irc.$("lerp-strip");
    strip.replaceChildren();
    const [start, , end] = [addCanvas(strip), addCanvas(strip), addCanvas(strip)];
    await drawZ(start, lerp.ends[0]);
    await drawZ(end, lerp.ends[1]);
    requestLerp();
  }

  async function start() {
    irc.$("generator").hidden = false;
    const buttons = ["regenerate", "lerp", "lerp-ends"].map(irc.$);
    await regenerate();
    await newEnds();
    irc.$("regenerate").addEventListener("click", regenerate);
    irc.$("lerp-ends").addEventListener("click", newEnds);
    irc.$("lerp").addEventListener("input", requestLerp);
    buttons.forEach((button) => { button.disabled = false; });
  }

  irc.pages.push({ kind: "generator", matches, start });
})();
