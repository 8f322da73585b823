"""The protobuf writer, checked against known encodings and Keras.js's own decoder."""

import io
import json
import subprocess

import numpy as np

from irc.targets.kerasjs import protobuf as pb
from irc.targets.kerasjs.writer import model_config, write_model_bin
from irc.targets.node.modules import package_dir
from tests.emit.emit_models import generator_model


def encode(chunks):
    file = io.BytesIO()
    pb.write(file, chunks)
    assert len(file.getvalue()) == pb.size(chunks)
    return file.getvalue()


def test_varint():
    assert pb.varint(0) == b"\x00"
    assert pb.varint(1) == b"\x01"
    assert pb.varint(127) == b"\x7f"
    assert pb.varint(300) == b"\xac\x02"
    assert pb.varint(2**32 - 1) == b"\xff\xff\xff\xff\x0f"


def test_fields():
    assert encode(pb.string_field(2, "hé")) == b"\x12\x03h\xc3\xa9"
    assert encode(pb.packed_uint32_field(3, (3, 300))) == b"\x1a\x03\x03\xac\x02"
    assert encode(pb.packed_uint32_field(3, ())) == b""
    assert encode(pb.float32_field(6, 1.5)) == b"\x35\x00\x00\xc0\x3f"
    assert encode(pb.message_field(6, pb.string_field(1, "ab"))) == b"\x32\x04\x0a\x02ab"


def test_bytes_field_is_a_view_of_numpy_memory():
    array = np.arange(3, dtype="<f4")
    chunks = pb.bytes_field(5, array)
    array[0] = 7.0
    assert encode(chunks) == b"\x2a\x0c" + array.tobytes()


DECODE_JS = """
const proto = require(process.argv[1]).default;
const model = proto.Model.decode(require('fs').readFileSync(process.argv[2]));
console.log(JSON.stringify({
  id: model.id, name: model.name, kerasVersion: model.kerasVersion, backend: model.backend,
  modelConfig: model.modelConfig,
  weights: model.modelWeights.map((w) => ({
    layerName: w.layerName, weightName: w.weightName, shape: w.shape, type: w.type,
    data: Array.from(new Float32Array(new Uint8Array(w.data).buffer)),
  })),
}));
"""


def test_keras_js_decoder_reads_every_field(tmp_path):
    model = generator_model(np.random.default_rng(0))
    write_model_bin(model, tmp_path / "model.bin")

    proc = subprocess.run(["node", "-e", DECODE_JS, str(package_dir("keras-js", "lib", "proto.js")),
                           str(tmp_path / "model.bin")], capture_output=True, text=True, check=True)

    decoded = json.loads(proc.stdout)
    assert len(decoded["id"]) == 32
    assert (decoded["name"], decoded["kerasVersion"], decoded["backend"]) == ("generator", "2.1.6", "tensorflow")
    assert json.loads(decoded["modelConfig"]) == model_config(model)
    expected = [(layer.name, param, array) for layer in model.layers for param, array in layer.weights]
    assert len(decoded["weights"]) == len(expected)
    for weights, (layer_name, param, array) in zip(decoded["weights"], expected):
        assert (weights["layerName"], weights["weightName"]) == (layer_name, f"{layer_name}/{param}:0")
        assert (weights["shape"], weights["type"]) == (list(array.shape), "float32")
        assert np.array_equal(np.array(weights["data"], dtype=np.float32), array.ravel())
