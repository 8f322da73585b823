"""Keras.js 0.x (keras-js 0.3.0): model_arch.json, model_weights.buf and model_metadata.json
(irc/emit/kerasjs_legacy.py writes and checks them, irc/js/run_kerasjs_legacy.js runs them).

A page loads them with
    new KerasJS.Model({filepaths: {model: 'model_arch.json', weights: 'model_weights.buf',
                                   metadata: 'model_metadata.json'}, gpu: false})
Weights stay float32 (quantizes=()): 0.3.0 reads every weight as a Float32Array.
"""

from irc.targets import Target, register_target

RUNTIME = "keras-js@0.3.0"


def write(model, out_dir, quantization):
    from irc.emit.kerasjs_legacy import write_legacy_files
    return write_legacy_files(model, out_dir)


def run(out_dir, feeds_list):
    from irc.emit.kerasjs_legacy import FILES
    from irc.kerasjs_runtime import REPO_ROOT, run_in_node
    runner = REPO_ROOT / "irc" / "js" / "run_kerasjs_legacy.js"
    package = REPO_ROOT / "node_modules" / "keras-js-legacy"
    results = run_in_node(runner, package, [out_dir / name for name in FILES], feeds_list,
                          what=f"{out_dir} ({RUNTIME})")
    return [result["outputs"] for result in results]


register_target(Target("kerasjs-legacy", RUNTIME, write, run))
