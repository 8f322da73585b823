// The request/response protocol every irc Node runner speaks (Python side: irc/targets/node/bridge.py):
// a request directory holds request.json {inputs: [{name, shape, file}], ...options} and raw
// little-endian float32 files; the runner writes response.json and its tensors beside them.
// On error: one line on stderr, "<runner>: <message>", exit status 1.

const fs = require('fs');
const path = require('path');

// The npm packages the runners load: IRC_NODE_MODULES (set by irc/targets/node/bridge.py from
// irc/targets/node/modules.py), else the repository's node_modules.
const NODE_MODULES = process.env.IRC_NODE_MODULES || path.resolve(__dirname, '..', '..', '..', 'node_modules');

function readRequest(dir) {
  const request = JSON.parse(fs.readFileSync(path.join(dir, 'request.json'), 'utf8'));
  const inputs = {};
  for (const spec of request.inputs) {
    const bytes = fs.readFileSync(path.join(dir, spec.file));
    // Copy into a fresh, aligned buffer: Float32Array views need 4-byte alignment.
    inputs[spec.name] = { shape: spec.shape, data: new Float32Array(new Uint8Array(bytes).buffer) };
  }
  return { inputs, request };
}

// entries: [[name, {shape, data: Float32Array}]] -> [{name, shape, file}] written as `${prefix}_${i}.f32`.
function writeTensors(dir, prefix, entries) {
  fs.mkdirSync(dir, { recursive: true });
  return entries.map(([name, { shape, data }], i) => {
    const file = `${prefix}_${i}.f32`;
    fs.writeFileSync(path.join(dir, file), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return { name, shape, file };
  });
}

function writeResponse(dir, response) {
  fs.writeFileSync(path.join(dir, 'response.json'), JSON.stringify(response));
}

function fail(message) {
  const tool = path.basename(process.argv[1], '.js');
  process.stderr.write(`${tool}: ${String(message).split('\n')[0]}\n`);
  process.exit(1);
}

module.exports = { NODE_MODULES, readRequest, writeTensors, writeResponse, fail };
