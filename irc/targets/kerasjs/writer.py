"""Write a KerasModel as a Keras.js 1.0 model.bin (protobuf, see keras-js/lib/proto.js).

    message Model   {string id = 1; string name = 2; string keras_version = 3;
                     string backend = 4; string model_config = 5; repeated Weights model_weights = 6;}
    message Weights {string layer_name = 1; string weight_name = 2; repeated uint32 shape = 3;
                     string type = 4; bytes data = 5; float quantize_min = 6; float quantize_max = 7;}

Weights are streamed from numpy memory into the file, so writing costs no extra copy of
the weights. The output is byte-for-byte deterministic: the id is a hash of the content.
"""

import hashlib
import json

import numpy as np

from irc.lower.keras_graph import json_default
from irc.targets.kerasjs import protobuf as pb
from irc.targets.kerasjs.checks import check_for_kerasjs, weight_name, weights_in_file_order
from irc.targets.quantize import uint8_affine, uint8_decoded

KERAS_VERSION = "2.1.6"  # the Keras whose model_config format Keras.js 1.0 parses
BACKEND = "tensorflow"


def write_model_bin(model, path, quantization=None):
    """quantization (irc.targets.quantize.Quantization): uint8 tensors carry Keras.js's own
    quantize_min/quantize_max; it records each tensor's error as Keras.js decodes it."""
    check_for_kerasjs(model)
    body = _body(model, quantization)
    with open(path, "wb") as file:
        pb.write(file, pb.string_field(1, _content_id(body)) + body)


def model_config(model):
    """The Keras 2.1 functional-model config that Keras.js's Model._buildDAG reads."""
    return {
        "class_name": "Model",
        "config": {
            "name": model.name,
            "layers": [_layer_config(layer) for layer in model.layers],
            "input_layers": [[spec.layer, 0, 0] for spec in model.inputs],
            "output_layers": [[spec.layer, 0, 0] for spec in model.outputs],
        },
        "keras_version": KERAS_VERSION,
        "backend": BACKEND,
    }


def _layer_config(layer):
    inbound_nodes = [[[name, 0, 0, {}] for name in layer.inbound]] if layer.inbound else []
    return {
        "name": layer.name,
        "class_name": layer.class_name,
        "config": {**layer.config, "name": layer.name},
        "inbound_nodes": inbound_nodes,
    }


def _body(model, quantization):
    """Every field after the id, as chunks; float32 weight data chunks are views, not copies."""
    config_json = json.dumps(model_config(model), sort_keys=True, default=json_default)
    chunks = (pb.string_field(2, model.name) + pb.string_field(3, KERAS_VERSION)
              + pb.string_field(4, BACKEND) + pb.string_field(5, config_json))
    for layer, param, array in weights_in_file_order(model):
        name = weight_name(layer.name, param)
        if np.asarray(array).dtype == np.uint8:
            data = _exact_uint8_data(array)
        elif quantization is not None and quantization.applies_to(f"{layer.name}/{param}", np.size(array)):
            data = _uint8_data(array, f"{layer.name}/{param}", quantization)
        else:
            data = _float32_data(array)
        chunks += pb.message_field(6, pb.string_field(1, layer.name) + pb.string_field(2, name)
                                   + pb.packed_uint32_field(3, np.shape(array)) + data)
    return chunks


def _float32_data(array):
    # Keras.js reads `data` as little-endian float32 in C order; this copies only if the
    # array is not already laid out that way.
    return pb.string_field(4, "float32") + pb.bytes_field(5, np.ascontiguousarray(array, dtype="<f4"))


def _uint8_data(array, name, quantization):
    array = np.asarray(array, dtype=np.float32)
    codes, low, high = uint8_affine(array)
    quantization.record(name, array, uint8_decoded(codes, low, high))
    return _uint8_fields(codes, low, high)


def _exact_uint8_data(codes):
    """Integer weights 0..255 (a legalisation's 0/1 kernels) as their own uint8 codes: with
    quantize_min 0 and quantize_max 255, Keras.js's decoding q * (255 - 0) / 255 + 0 gives
    each q back exactly."""
    return _uint8_fields(np.ascontiguousarray(codes), 0.0, 255.0)


def _uint8_fields(codes, low, high):
    """A quantized weight: its uint8 codes and the range Keras.js decodes them to."""
    return (pb.string_field(4, "uint8") + pb.bytes_field(5, codes)
            + pb.float32_field(6, low) + pb.float32_field(7, high))


def _content_id(chunks):
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()[:32]

