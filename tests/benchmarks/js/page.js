// The benchmark page's side (bench.html, served by runtime_benchmark.py): window.runBench(job)
// adds the runtime's scripts to the page, times the model with runtimes.js and reports the
// bytes the page fetched, split into the runtime's files (under /node_modules/ and, for irc's
// Keras.js build, /kerasjs-irc/: scripts, WebAssembly) and the model's. The output comes back as a plain array.
'use strict';

const RUNTIME_DIR = '/node_modules/';
// irc's Keras.js build (build/kerasjs-irc/, served at /kerasjs-irc/): also runtime bytes
const IRC_DIR = '/kerasjs-irc/';
const SCRIPTS = {
  kerasjs: ['keras-js/dist/keras.min.js'],
  'kerasjs-irc': [`${IRC_DIR}keras-irc.min.js`],
  tfjs: ['@tensorflow/tfjs/dist/tf.min.js', '@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js'],
  ort: ['onnxruntime-web/dist/ort.wasm.min.js'],
};

function addScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.appendChild(script);
  });
}

async function libraries(job) {
  for (const file of SCRIPTS[job.runtime]) await addScript(file.startsWith('/') ? file : RUNTIME_DIR + file);
  if (job.runtime === 'kerasjs' || job.runtime === 'kerasjs-irc') return { KerasJS: window.KerasJS };
  if (job.runtime === 'ort') {
    window.ort.env.wasm.wasmPaths = `${RUNTIME_DIR}onnxruntime-web/dist/`;
    return { ort: window.ort };
  }
  window.tf.wasm.setWasmPaths(`${RUNTIME_DIR}@tensorflow/tfjs-backend-wasm/dist/`);
  return { tf: window.tf, tfjsHandler: (url) => window.tf.io.http(url, { fetchFunc: bufferedFetch }) };
}

// TF.js requests every weight shard at once and reads no body before all their headers have
// arrived. Over HTTP/1.x Chromium opens at most 6 connections to a host, and a connection
// whose 4 MB body nobody reads stays busy: from the 7th shard on, loading never finished.
// Reading each body as soon as its headers arrive frees the connection for the next shard.
async function bufferedFetch(url, init) {
  const response = await fetch(url, init);
  const { status, statusText, headers } = response;
  return new Response(await response.arrayBuffer(), { status, statusText, headers });
}

function fetchedBytes() {
  const bytes = { runtime: 0, model: 0 };
  for (const entry of performance.getEntriesByType('resource')) {
    const path = new URL(entry.name).pathname;
    if (path.startsWith(RUNTIME_DIR) || path.startsWith(IRC_DIR)) bytes.runtime += entry.decodedBodySize;
    else if (path.startsWith('/models/')) bytes.model += entry.decodedBodySize;
  }
  return bytes;
}

window.runBench = async (job) => {
  const libs = await libraries(job);
  job.input.data = Float32Array.from(job.input.data);
  const { output, ...timings } = await window.benchRuntimes.bench(libs, job);
  return { ...timings, bytes: fetchedBytes(), output: Array.from(output) };
};
