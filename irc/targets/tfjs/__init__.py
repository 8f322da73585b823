"""TensorFlow.js layers model: tfjs/model.json plus weight shards (irc/targets/tfjs/writer.py writes
them, tf.loadLayersModel reads them; irc runs them in @tensorflow/tfjs under Node)."""

import os

from irc.targets.registry import Target, register_target

MODEL_JSON = "tfjs/model.json"


def write(model, out_dir, quantization):
    from irc.targets.tfjs.writer import write_tfjs
    return write_tfjs(model, out_dir, quantization)


def run(out_dir, feeds_list):
    from irc.targets.tfjs.runtime import run_tfjs_many
    return [result["outputs"] for result in run_tfjs_many(out_dir / MODEL_JSON, feeds_list)]


# What irc measures with (irc run, the report's probe): Node, IRC_TFJS_BACKEND (default cpu).
_BACKEND = os.environ.get("IRC_TFJS_BACKEND", "cpu")
register_target(Target("tfjs", f"@tensorflow/tfjs@4.22.0 (tf.loadLayersModel; {_BACKEND} backend)",
                       write, run, quantizes=("uint8", "float16", "uint16")))
