#!/usr/bin/env node
// Builds irc's Keras.js (keras-js 1.0.3 + irc's CPU kernels) into build/kerasjs-irc/:
//   keras-irc.min.js   browser bundle, global `KerasJS` (as keras-js's dist/keras.min.js)
//   keras-irc.node.js  Node CommonJS bundle (as require('keras-js'))
//   gemm.wasm, gemm_relaxed.wasm   the kernels, also embedded (base64) in both bundles
//
//   node irc/targets/kerasjs/irc_kerasjs/build.js [OUT_DIR]
//
// esbuild and wabt are pinned in package.json's devDependencies. Deterministic: the same
// sources give byte-identical outputs.
'use strict';

const fs = require('fs');
const path = require('path');

const HERE = __dirname;
const ROOT = path.resolve(HERE, '../../../..');
const OUT = path.resolve(process.argv[2] || path.join(ROOT, 'build/kerasjs-irc'));
const NODE_MODULES = path.join(ROOT, 'node_modules');
const esbuild = require('esbuild');
const { emit } = require('./gen_wat');

async function compileWat() {
  const wabt = await require('wabt')();
  const out = {};
  for (const [name, relaxed] of [['simd', false], ['relaxed', true]]) {
    const text = emit(relaxed);
    const module = wabt.parseWat(`gemm_${name}.wat`, text, { simd: true, relaxed_simd: relaxed });
    module.resolveNames();
    module.validate();
    const { buffer } = module.toBinary({ write_debug_names: false });
    module.destroy();
    out[name] = Buffer.from(buffer);
  }
  return out;
}

// Modules substituted or generated for the bundles.
function ircPlugin(wasm, browser) {
  return {
    name: 'irc-kerasjs',
    setup(build) {
      build.onResolve({ filter: /^irc-kerasjs-wasm$/ }, () => ({ path: 'irc-kerasjs-wasm', namespace: 'irc' }));
      build.onLoad({ filter: /.*/, namespace: 'irc' }, (args) => {
        if (args.path === 'irc-kerasjs-wasm') {
          return {
            contents: `module.exports = ${JSON.stringify({ simd: wasm.simd.toString('base64'), relaxed: wasm.relaxed.toString('base64') })};`,
            loader: 'js',
          };
        }
        if (args.path === 'buffer') {
          // typedarray-pool only asks Buffer.isBuffer
          return { contents: 'exports.Buffer = { isBuffer: function () { return false; } };', loader: 'js' };
        }
        return null;
      });
      // every `ndarray-gemm` import (keras-js's layers) takes irc's gemm; ours imports gemm.js
      build.onResolve({ filter: /^ndarray-gemm$/ }, () => ({ path: path.join(HERE, 'ndarray_gemm.js') }));
      if (!browser) {
        // Node: keras-js's lib is bundled (so its ndarray-gemm imports take ours); the other
        // packages stay require()s of node_modules, as under require('keras-js').
        build.onResolve({ filter: /^[^./]/ }, (args) => {
          if (/^(keras-js\/|ndarray-gemm\/gemm\.js$|irc-kerasjs-wasm$)/.test(args.path)) return null;
          return { path: args.path, external: true };
        });
      }
      if (browser) {
        build.onResolve({ filter: /^buffer\/?$/ }, () => ({ path: 'buffer', namespace: 'irc' }));
        build.onResolve({ filter: /^cwise$/ }, () => ({ path: path.join(NODE_MODULES, 'cwise/lib/cwise-esprima.js') }));
      }
    },
  };
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const wasm = await compileWat();
  fs.writeFileSync(path.join(OUT, 'gemm.wasm'), wasm.simd);
  fs.writeFileSync(path.join(OUT, 'gemm_relaxed.wasm'), wasm.relaxed);
  const common = {
    entryPoints: [path.join(HERE, 'index.js')],
    bundle: true,
    absWorkingDir: ROOT,
    nodePaths: [NODE_MODULES],
    logLevel: 'warning',
    legalComments: 'none',
  };
  await esbuild.build({
    ...common,
    outfile: path.join(OUT, 'keras-irc.min.js'),
    platform: 'browser',
    format: 'iife',
    globalName: 'KerasJS',
    target: 'es2018',
    minify: true,
    external: ['fs'],
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    plugins: [ircPlugin(wasm, true)],
  });
  await esbuild.build({
    ...common,
    outfile: path.join(OUT, 'keras-irc.node.js'),
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    plugins: [ircPlugin(wasm, false)],
  });
  for (const name of ['keras-irc.min.js', 'keras-irc.node.js', 'gemm.wasm', 'gemm_relaxed.wasm']) {
    console.log(`${name}\t${fs.statSync(path.join(OUT, name)).size} bytes`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
