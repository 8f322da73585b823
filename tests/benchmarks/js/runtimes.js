// One model timed in one runtime, shared by the Node driver (node_bench.js) and the browser
// page (../bench.html): load, one warm-up run, then job.runs timed runs of the same input.
//
// job: {runtime: "kerasjs" | "kerasjs-irc" | "tfjs" | "ort", backend: "cpu" | "gpu" | "wasm", model: path or URL
// of the model file (model.bin, tfjs/model.json, model.onnx), input: {name, shape, data},
// output: output name, runs}. libs: the runtime's library object (KerasJS, tf or ort) and
// tfjsHandler(model) -> a tf.io handler. Load time counts from nothing to a model ready to
// run: backend start-up (WebAssembly compile, WebGL context), reading and decoding the files.
// "kerasjs-irc" is irc's build of Keras.js 1.0.3 (libs.KerasJS is it): the same API and files.
// wasm_bytes: the runtime's WebAssembly memory after the timed runs, where it has one.
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.benchRuntimes = factory();
}(typeof self !== 'undefined' ? self : this, () => {
  'use strict';

  const RUNTIMES = {
    kerasjs: {
      async load(libs, job) {
        const model = new libs.KerasJS.Model({
          filepath: job.model, gpu: job.backend === 'gpu', filesystem: typeof window === 'undefined',
        });
        await model.ready();
        // Keras.js silently runs on the CPU when WebGL2 is missing: report what it used.
        return { model, backend: model.gpu ? 'gpu' : 'cpu' };
      },
      async run({ model }, job) {
        // Keras.js takes one sample without its batch axis and returns {output layer: data}.
        return (await model.predict({ [job.input.name]: job.input.data }))[job.output];
      },
      wasmBytes({ model }) {
        // irc's build: its kernels' heap, reached through a layer's packed weights
        for (const layer of model.modelLayersMap.values()) {
          if (layer._ircPacked) return layer._ircPacked.h.kernel.buffer().byteLength;
        }
        return null;
      },
    },
    tfjs: {
      async load(libs, job) {
        if (!(await libs.tf.setBackend(job.backend))) throw new Error(`tfjs backend ${job.backend} failed`);
        await libs.tf.ready();
        const model = await libs.tf.loadLayersModel(libs.tfjsHandler(job.model), { strict: true });
        return { model, backend: libs.tf.getBackend() };
      },
      async run({ model }, job, libs) {
        const x = libs.tf.tensor(job.input.data, job.input.shape, 'float32');
        const y = model.predict(x);
        const data = await y.data();
        libs.tf.dispose([x, y]);
        return data;
      },
      wasmBytes(loaded, libs) {
        const wasm = libs.tf.getBackend() === 'wasm' && libs.tf.backend().wasm;
        return wasm && wasm.HEAPU8 ? wasm.HEAPU8.byteLength : null;
      },
    },
    ort: {
      async load(libs, job) {
        // One thread, as Keras.js and TF.js (which threads only in a cross-origin-isolated page).
        libs.ort.env.wasm.numThreads = 1;
        const session = await libs.ort.InferenceSession.create(job.model, { executionProviders: ['wasm'] });
        return { session, backend: 'wasm' };
      },
      async run({ session }, job, libs) {
        const feeds = { [job.input.name]: new libs.ort.Tensor('float32', job.input.data, job.input.shape) };
        return (await session.run(feeds))[job.output].data;
      },
    },
  };

  RUNTIMES['kerasjs-irc'] = RUNTIMES.kerasjs;

  async function bench(libs, job) {
    const runtime = RUNTIMES[job.runtime];
    if (!runtime) throw new Error(`unknown runtime ${job.runtime}`);
    let start = performance.now();
    const loaded = await runtime.load(libs, job);
    const loadMs = performance.now() - start;
    start = performance.now();
    const output = Float32Array.from(await runtime.run(loaded, job, libs));
    const warmupMs = performance.now() - start;
    const runsMs = [];
    for (let i = 0; i < job.runs; i++) {
      start = performance.now();
      await runtime.run(loaded, job, libs);
      runsMs.push(performance.now() - start);
    }
    let wasmBytes = null;
    try {
      wasmBytes = runtime.wasmBytes ? runtime.wasmBytes(loaded, libs) : null;
    } catch (err) {
      wasmBytes = null;   // a runtime's internals moved: no figure rather than no result
    }
    return { backend: loaded.backend, load_ms: loadMs, warmup_ms: warmupMs, runs_ms: runsMs, wasm_bytes: wasmBytes, output };
  }

  return { bench };
}));
