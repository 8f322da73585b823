"""The runtime benchmark's models and compilers (see runtime_benchmark.py).

`python tests/benchmarks/bench_models.py NAME DIR` writes DIR/model.npz (Chainer),
DIR/source.onnx (irc's front end's ONNX with the weights inside: what onnx2keras and
onnxruntime-web read) and DIR/input.npy (the source-layout input every runtime gets).
compile_irc and compile_onnx2keras time a fresh Python converting DIR/source.onnx.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
ARCHS = ROOT / "tests" / "chainer_archs.py"
# name: (DCGAN generator ch, or a tests/chainer_archs.py class with its input shape)
MODELS = {
    "gen64": (64, None),
    "gen512": (512, None),
    "gen1024": (1024, None),
    # 25.6 M parameters; 64x64 images keep Keras.js (one thread, plain JavaScript) near a second.
    "resnet50": ("ResNet50", (1, 3, 64, 64)),
}


def write_source(name, out):
    """-> DIR/model.npz, DIR/source.onnx and DIR/input.npy for MODELS[name]."""
    import chainer
    import onnx

    from irc.check.onnx_reference import reference_model
    from irc.frontend.source import load_source
    kind, shape = MODELS[name]
    out.mkdir(parents=True, exist_ok=True)
    npz = out / "model.npz"
    if shape is None:
        from tests.chainer_models import save_random_generator
        save_random_generator(npz, kind)
        source = load_source(npz)
    else:
        # The real-model test's weights: He-scaled, BN statistics off (0, 1), logits spanning 20.
        from tests.e2e.test_chainer_models import build, scale_last_layer
        model = build(kind, seed=len(kind))
        scale_last_layer(model, np.random.RandomState(1).uniform(-1, 1, shape).astype(np.float32))
        chainer.serializers.save_npz(str(npz), model)
        del model
        source = load_source(npz, arch=f"{ARCHS}:{kind}", input_shape=shape)
    # Chainer's front end keeps the weights out of the proto (and out of graph.initializer);
    # reference_model puts them back and declares every tensor an output: keep the real ones.
    proto = reference_model(source.proto, source.weights)
    del proto.graph.output[len(source.proto.graph.output):]
    # The front end already stamps the lowest IR version the opset allows; onnxruntime-web
    # 1.30 reads IR <= 13 (onnx 1.23 would write 14).
    assert proto.ir_version <= 13, proto.ir_version
    onnx.save(proto, str(out / "source.onnx"))
    (x,) = source.probe.inputs.values()        # the probe input Chainer ran: uniform(-1, 1), seed 1
    np.save(out / "input.npy", x)


def _child(code, *args):
    """-> the JSON a fresh Python running code printed last."""
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = (proc.stderr.strip() or f"exit status {proc.returncode}").splitlines()
        raise RuntimeError(lines[-1])
    return json.loads(proc.stdout.strip().splitlines()[-1])


# Both converters are timed inside a fresh Python: import_s (the converter's imports) and
# convert_s (from reading the ONNX file to the converted model; irc's includes writing it).
IRC = """
import json, sys, time
start = time.perf_counter()
from irc.compile import CompileOptions, compile_model
imported = time.perf_counter()
onnx_file, out, target, optimize, enable = sys.argv[1:]
compile_model(onnx_file, out, CompileOptions(targets=[target], probe=False, force=True, optimize=optimize == "1",
                                             enable_passes=[name for name in enable.split(",") if name]))
print(json.dumps({"import_s": imported - start, "convert_s": time.perf_counter() - imported}))
"""


def compile_irc(onnx_file, out, target="kerasjs", optimize=True, enable=()):
    """irc compile ONNX -o OUT --no-probe [--no-optimize] [--enable-pass NAME ...].
    -> {import_s, convert_s}."""
    return _child(IRC, onnx_file, out, target, int(optimize), ",".join(enable))


ONNX2KERAS = """
import json, sys, time, traceback
from pathlib import Path
import numpy as np
start = time.perf_counter()
import onnx
from onnx2keras import onnx_to_keras
imported = time.perf_counter()


def where(exc):
    # The last onnx2keras line on the stack and the innermost Keras layer being built.
    text = f"{type(exc).__name__}: {exc}"
    layer, tb = None, exc.__traceback__
    while tb:
        candidate = tb.tb_frame.f_locals.get("self")
        if hasattr(candidate, "built") and hasattr(candidate, "name"):
            layer = candidate
        tb = tb.tb_next
    if layer is not None:
        text = f"{type(layer).__name__} layer '{layer.name}': {text}"
    ours = [f for f in traceback.extract_tb(exc.__traceback__) if "onnx2keras" in f.filename]
    if ours:
        text = f"onnx2keras/{Path(ours[-1].filename).name}:{ours[-1].lineno} `{ours[-1].line}` -> {text}"
    return text


onnx_file, x_file, y_file = sys.argv[1:]
proto = onnx.load(onnx_file)
weights = {t.name for t in proto.graph.initializer}
try:
    model = onnx_to_keras(proto, [i.name for i in proto.graph.input if i.name not in weights],
                          change_ordering=True, verbose=False)
except Exception as exc:
    print(json.dumps({"import_s": imported - start, "error": where(exc)}))
    sys.exit(0)
converted = time.perf_counter()
x = np.load(x_file)
y = np.asarray(model(x.transpose(0, 2, 3, 1) if x.ndim == 4 else x))
np.save(y_file, y.transpose(0, 3, 1, 2) if y.ndim == 4 else y)   # back to the source layout
print(json.dumps({"import_s": imported - start, "convert_s": converted - imported}))
"""


def compile_onnx2keras(onnx_file, x_file, y_file):
    """onnx2keras 0.0.25 (change_ordering=True: NHWC, as Keras.js) on ONNX, then one run of
    the Keras model on x, its output written to y_file in the source layout.
    -> {import_s, convert_s} or {import_s, error: where it failed}."""
    return _child(ONNX2KERAS, onnx_file, x_file, y_file)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    write_source(sys.argv[1], Path(sys.argv[2]))
