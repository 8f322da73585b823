// The demo page's core: reads manifest.json, loads the Keras.js 1.0.3 bundle it names (irc's
// build or stock keras-js), loads the kerasjs target in it (GPU mode when the browser has
// WebGL2, unless ?gpu=0), runs it, and hands the manifest to the first page kind that
// accepts it (irc-generator.js, then irc-generic.js).
//
// window.irc, for tests and the console:
//   await irc.ready           -> {kind: "generator" | "generic", gpu, loadMs} once the first
//                                results are drawn (rejects with the error the page shows)
//   await irc.run(feeds)      -> {outputs: {output layer: Float32Array}, ms}; feeds are
//                                {input layer: flat data in the runtime (channels-last) layout,
//                                without the batch axis}, as manifest.json describes them
//   await irc.runBatch([feeds, ...]) -> the same for a batch: one run per sample, the outputs
//                                stacked (manifest.json source_batch: the batch the source took)
//   irc.stats                 -> {loadMs, modelMs, gpu, kernel, inferMs}; kernel: "WebGL" (GPU
//                                mode), else irc's build's "relaxed SIMD" | "wasm SIMD" | "JS"
//                                (stock keras-js's CPU mode is JavaScript too)
"use strict";

(function () {
  const params = new URLSearchParams(location.search);
  const irc = (window.irc = { params, pages: [], stats: {} });

  irc.$ = (id) => document.getElementById(id);
  irc.sampleShape = (entry) => entry.shape.slice(1);        // Keras.js takes no batch axis
  irc.size = (shape) => shape.reduce((a, b) => a * b, 1);

  irc.setStatus = (text, isError = false) => {
    const status = irc.$("status");
    status.textContent = text;
    status.classList.toggle("error", isError);
  };

  irc.showInference = (ms) => {
    irc.stats.inferMs = ms;
    irc.$("infer-ms").textContent = ms.toFixed(1);
  };

  function gpuRequest() {
    const asked = params.get("gpu");                // "0": CPU, "1" or absent: GPU if possible
    const gpu = asked !== "0" && KerasJS.GPU_SUPPORT;
    const reason = asked === "0" ? " (?gpu=0)" : " (no WebGL2 in this browser)";
    return { gpu, why: gpu ? "" : reason };
  }

  const KERNEL_NAMES = { "relaxed-simd": "relaxed SIMD", "wasm-simd": "wasm SIMD", js: "JS" };

  // What runs the layers: WebGL in GPU mode; on the CPU, irc's build says which matrix kernel
  // it chose (reading ircKernel chooses it), stock keras-js has only JavaScript.
  function kernel(gpu) {
    if (gpu) return "WebGL";
    return KERNEL_NAMES[KerasJS.ircKernel || "js"];
  }

  async function fetchManifest() {
    const response = await fetch("manifest.json");
    if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status}; serve OUT with \`irc serve OUT\``);
    return response.json();
  }

  // The Keras.js bundle compile copied beside the page (manifest.page.bundle), as a script.
  function loadBundle(manifest) {
    const name = manifest.page && manifest.page.bundle;
    if (!name) return Promise.reject(new Error("manifest.json names no Keras.js bundle; compile again"));
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = name;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`${name}: failed to load; is it beside index.html?`));
      document.head.appendChild(script);
    });
  }

  async function loadModel(manifest, gpu) {
    const target = manifest.targets.kerasjs;
    if (!target) throw new Error("manifest.json lists no kerasjs target; compile with --target kerasjs");
    const model = new KerasJS.Model({ filepath: target.files[0], gpu });
    const progress = irc.$("progress");
    // Downloading model.bin fills the bar to 90 %; building the layers (and, in GPU mode,
    // compiling their shaders) the rest.
    model.events.on("loadingProgress", (percent) => { progress.value = 0.9 * percent; });
    model.events.on("initProgress", (percent) => { progress.value = 90 + 0.1 * percent; });
    await model.ready();
    return model;
  }

  // Keras.js runs one predict at a time and reuses its output buffers: queue the calls
  // and copy the results.
  let queue = Promise.resolve();
  irc.run = (feeds) => {
    const result = queue.then(() => runOnce(feeds));
    queue = result.catch(() => {});
    return result;
  };
  irc.predict = async (feeds) => (await irc.run(feeds)).outputs;

  // A model exported at a batch of N > 1 (manifest.json source_batch) was compiled at batch
  // 1: one call of the source model is N runs, one sample each, whose outputs are stacked in
  // sample order (as `irc run` does). samples: [feeds as irc.run takes them].
  irc.batch = () => irc.manifest.source_batch || 1;
  irc.runBatch = async (samples) => {
    const runs = [];
    for (const feeds of samples) runs.push(await irc.run(feeds));
    const outputs = {};
    for (const entry of irc.manifest.outputs) {
      const parts = runs.map((run) => run.outputs[entry.name]);
      outputs[entry.name] = new Float32Array(parts.reduce((n, part) => n + part.length, 0));
      parts.reduce((offset, part) => { outputs[entry.name].set(part, offset); return offset + part.length; }, 0);
    }
    return { outputs, ms: runs.reduce((total, run) => total + run.ms, 0) };
  };

  async function runOnce(feeds) {
    const input = {};
    for (const entry of irc.manifest.inputs) {
      const size = irc.size(irc.sampleShape(entry));
      const data = feeds[entry.name];
      if (!data || data.length !== size) {
        throw new Error(`input ${entry.name}: expected ${size} values (shape ${irc.sampleShape(entry)})`);
      }
      input[entry.name] = Float32Array.from(data);
    }
    const start = performance.now();
    const result = await irc.model.predict(input);
    const ms = performance.now() - start;
    const outputs = {};
    for (const entry of irc.manifest.outputs) outputs[entry.name] = Float32Array.from(result[entry.name]);
    return { outputs, ms };
  }

  const domReady = () => new Promise((resolve) => {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve);
    else resolve();
  });

  async function start() {
    await domReady();                        // the page kinds' scripts have registered by now
    const manifest = (irc.manifest = await fetchManifest());
    irc.$("title").textContent = `${manifest.source.path} (${manifest.source.framework})`;
    await loadBundle(manifest);
    const { gpu, why } = gpuRequest();
    const modelStart = performance.now();
    irc.model = await loadModel(manifest, gpu);
    const mode = irc.model.gpu ? "GPU" : "CPU";
    Object.assign(irc.stats, { gpu: irc.model.gpu, kernel: kernel(irc.model.gpu), modelMs: performance.now() - modelStart });
    irc.stats.loadMs = performance.now();    // since navigation started: page, bundle and model
    irc.$("load-ms").textContent = `${irc.stats.loadMs.toFixed(0)} (model ${irc.stats.modelMs.toFixed(0)})`;
    irc.$("mode").textContent = `${mode}: ${irc.stats.kernel}${why}`;
    const page = irc.pages.find((candidate) => candidate.matches(manifest));
    irc.kind = page.kind;
    await page.start(manifest);
    irc.setStatus(`Ready: ${page.kind} page.`);
    return { kind: page.kind, gpu: irc.stats.gpu, loadMs: irc.stats.loadMs };
  }

  irc.ready = start().catch((err) => {
    irc.setStatus(`Error: ${err.message}`, true);
    throw err;
  });
})();
