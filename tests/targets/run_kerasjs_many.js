#!/usr/bin/env node
// Many model.bins in one Node process (start-up dominates small models), with
// irc/targets/kerasjs/run_kerasjs.js's runtime and protocol:
//
//   node [--require no_webassembly.js] run_kerasjs_many.js KERASJS MODEL_BIN REQUEST_DIR [MODEL_BIN REQUEST_DIR ...]
//
// Prints {"ircKernel": ...} last: the matrix kernel irc's build ran (undefined for stock).
'use strict';

const path = require('path');
const { run } = require('../../irc/targets/kerasjs/kerasjs_runner');
const KERASJS_1 = require('../../irc/targets/kerasjs/run_kerasjs');
const { fail } = require('../../irc/targets/node/bridge');

async function main([kerasjs, ...pairs]) {
  for (let i = 0; i < pairs.length; i += 2) await run(KERASJS_1, kerasjs, [pairs[i]], [pairs[i + 1]]);
  process.stdout.write(`${JSON.stringify({ ircKernel: require(path.resolve(kerasjs)).ircKernel })}\n`);
}

main(process.argv.slice(2)).catch((err) => fail(err instanceof Error ? err.message : err));
