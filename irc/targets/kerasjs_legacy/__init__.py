"""Keras.js 0.x (keras-js 0.3.0): model_arch.json, model_weights.buf and model_metadata.json
(irc/targets/kerasjs_legacy/writer.py writes and checks them, irc/targets/kerasjs_legacy/run_kerasjs_legacy.js runs them).

A page loads them with
    new KerasJS.Model({filepaths: {model: 'model_arch.json', weights: 'model_weights.buf',
                                   metadata: 'model_metadata.json'}, gpu: false})
Weights stay float32 (quantizes=()): 0.3.0 reads every weight as a Float32Array.
"""

from pathlib import Path

from irc.targets.registry import Target, register_target

RUNTIME = "keras-js@0.3.0"


def write(model, out_dir, quantization):
    from irc.lower.grouped import without_groups
    from irc.targets.kerasjs_legacy.writer import write_legacy_files
    return write_legacy_files(without_groups(model), out_dir)      # 0.3.0 has no grouped convolutions


def run(out_dir, feeds_list):
    from irc.targets.kerasjs.runtime import run_in_node
    from irc.targets.kerasjs_legacy.writer import FILES
    from irc.targets.node.modules import package_dir
    runner = Path(__file__).resolve().parent / "run_kerasjs_legacy.js"
    package = package_dir("keras-js-legacy")
    results = run_in_node(runner, package, [out_dir / name for name in FILES], feeds_list,
                          what=f"{out_dir} ({RUNTIME})")
    return [result["outputs"] for result in results]


register_target(Target("kerasjs-legacy", RUNTIME, write, run))
