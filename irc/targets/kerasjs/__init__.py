"""Keras.js 1.0: one protobuf file, model.bin (irc/targets/kerasjs/legalize.py adapts the lowered
model to Keras.js, irc/targets/kerasjs/writer.py writes it, Node runs it)."""

from irc.targets.registry import Target, register_target

MODEL_BIN = "model.bin"
# What runs model.bin (--runtime), the default first: irc's build of keras-js 1.0.3
# (irc_kerasjs/, fast CPU kernels) or stock keras-js 1.0.3, kept to compare against.
RUNTIMES = ("irc", "stock")


def write(model, out_dir, quantization):
    from irc.targets.kerasjs.legalize import legalize
    from irc.targets.kerasjs.writer import write_model_bin
    write_model_bin(legalize(model), out_dir / MODEL_BIN, quantization)
    return [MODEL_BIN]


def run(out_dir, feeds_list, runtime):
    from irc.targets.kerasjs.runtime import run_model_bin_many
    return [result["outputs"] for result in run_model_bin_many(out_dir / MODEL_BIN, feeds_list, runtime=runtime)]


register_target(Target("kerasjs", "keras-js@1.0.3", write, run, quantizes=("uint8",), runtimes=RUNTIMES))
