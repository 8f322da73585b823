"""irc's Keras.js build equals stock keras-js 1.0.3 on the same model.bin: every per-op case
of tests/ops, the DCGAN generators (the bundled ch=64, a random ch=512) and ResNet-50, within
1e-5 of each output's range; with its wasm kernel, and with its JavaScript fallback where
WebAssembly is missing. The stock runs are also the test that model.bin stays loadable by
stock Keras.js 1.0.3. Each runtime runs every model in one Node process (run_kerasjs_many.js).
Layer by layer, irc_kerasjs/check_layers.js compares the layers irc replaces with every kernel."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest

from irc.bundle.manifest import read_manifest
from irc.cli import main
from irc.compile import CompileOptions, compile_model
from irc.errors import IrcError
from irc.targets.kerasjs.runtime import node_module
from irc.targets.node.bridge import read_response, read_tensors, write_requests
from irc.targets.node.modules import kerasjs_build_file, node_modules
from tests.chainer_models import save_random_generator
from tests.e2e.test_chainer_models import ARCHS, build as build_chainer_model
from tests.ops import (
    test_ops_conv_nd as conv_nd,
    test_ops_elementwise as elementwise,
    test_ops_kerasjs as kerasjs_ops,
    test_ops_spatial as spatial,
)

HERE = Path(__file__).resolve().parent
CHECK_LAYERS = HERE.parents[1] / "irc" / "targets" / "kerasjs" / "irc_kerasjs" / "check_layers.js"
GEN_NPZ = HERE.parents[1] / "examples" / "dcgan" / "gen.npz"
TOLERANCE = 1e-5               # of the stock output's range
MODELS = ("dcgan-ch64", "dcgan-ch512", "resnet50")


def op_models():
    """(name, ONNX model) of every per-op case in tests/ops."""
    for name, make in kerasjs_ops.CASES.items():
        builder, output = make()
        yield f"ops/{name}", builder.model([output])
    for name, (make, opset) in elementwise.ALL.items():
        builder, output = make()
        yield f"elementwise/{name}", builder.model([output], opset=opset)
    for name, make in spatial.CASES.items():
        builder, outputs, opset = make()
        yield f"spatial/{name}", builder.model(outputs, opset=opset)
    for shape in dict.fromkeys(shape for shape, _ in conv_nd.CASES.values()):   # 1-D and 3-D, grouped by input
        yield f"conv_nd/{'x'.join(map(str, shape))}", conv_nd.group_model(shape)[0]


def compile_op_cases(work):
    """{case: OUT} of the per-op cases irc compiles (the refused ones are tests/ops' business)."""
    outs = {}
    for name, model in op_models():
        case_dir = work / name.replace("/", "-")
        case_dir.mkdir()
        onnx.save(model, str(case_dir / "model.onnx"))
        try:
            compile_model(case_dir / "model.onnx", case_dir / "out", CompileOptions(probe=False))
        except IrcError:
            continue
        outs[name] = case_dir / "out"
    return outs


def compile_models(work):
    """{name: OUT} of the DCGAN generators and ResNet-50 (as tests/e2e builds it)."""
    import chainer
    save_random_generator(work / "gen512.npz", ch=512)
    resnet = build_chainer_model("ResNet50", seed=8)
    chainer.serializers.save_npz(str(work / "resnet50.npz"), resnet, compression=False)
    commands = {
        "dcgan-ch64": [str(GEN_NPZ)],
        "dcgan-ch512": [str(work / "gen512.npz"), "--arch-args", '{"ch": 512}'],
        "resnet50": [str(work / "resnet50.npz"), "--arch", f"{ARCHS}:ResNet50", "--input-shape", "1,3,64,48"],
    }
    for name, args in commands.items():
        assert main(["compile", *args, "-o", str(work / name), "--no-probe"]) == 0
    return {name: work / name for name in commands}


def random_feeds(out, seed):
    rng = np.random.default_rng(seed)
    return {spec["name"]: rng.uniform(-1, 1, spec["shape"][1:]).astype(np.float32)
            for spec in read_manifest(out)["inputs"]}


def run_all(runtime, cases, work, node_flags=()):
    """{case: {output: array}} of running every case's model.bin in one Node process of Keras.js
    `runtime`, and the ircKernel it ran."""
    names = sorted(cases)
    requests = work / f"requests-{runtime}-{len(node_flags)}"
    requests.mkdir()
    dirs = write_requests(requests, [feeds for _, feeds in (cases[name] for name in names)])
    pairs = [str(arg) for name, d in zip(names, dirs) for arg in (cases[name][0] / "model.bin", d)]
    proc = subprocess.run(["node", *node_flags, str(HERE / "run_kerasjs_many.js"), str(node_module(runtime)), *pairs],
                          capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, NODE_PATH=str(node_modules())))
    assert proc.returncode == 0, proc.stderr
    kernel = json.loads(proc.stdout.strip().splitlines()[-1]).get("ircKernel")
    return {name: read_tensors(d, read_response(d)["outputs"]) for name, d in zip(names, dirs)}, kernel


def differences(got, expected):
    """[case/output: relative difference] of every output over TOLERANCE of its range."""
    over = []
    for case, outputs in expected.items():
        for output, stock in outputs.items():
            ours = got[case][output]
            scale = max(float(np.ptp(stock)), 1e-30)
            relative = float(np.abs(ours - stock).max()) / scale if ours.shape == stock.shape else np.inf
            if not relative <= TOLERANCE:
                over.append(f"{case}/{output}: {relative:.1e}")
    return over


def test_irc_build_equals_stock(tmp_path):
    """One test, not one per group over a shared fixture: pytest-xdist 3.8's --dist loadgroup
    does not group under pytest 9.2 (it renames item._nodeid, which pytest 9 no longer reads),
    so a shared fixture would be built on both workers."""
    outs = {**compile_op_cases(tmp_path), **compile_models(tmp_path)}
    cases = {name: (out, random_feeds(out, seed)) for seed, (name, out) in enumerate(sorted(outs.items()))}
    stock, _ = run_all("stock", cases, tmp_path)
    irc, kernel = run_all("irc", cases, tmp_path)
    no_wasm, fallback = run_all("irc", cases, tmp_path, ["--require", str(HERE / "no_webassembly.js")])
    assert len(cases) > 100 and set(MODELS) <= set(cases)
    # Node 20 validates relaxed SIMD only under a flag; without WebAssembly, the JS fallback
    assert (kernel, fallback) == ("wasm-simd", "js")
    assert {"wasm-simd": differences(irc, stock), "js": differences(no_wasm, stock)} == {"wasm-simd": [], "js": []}


@pytest.mark.parametrize("kernel, node_flags", [("wasm-simd", []), ("js", []),
                                                ("relaxed-simd", ["--experimental-wasm-relaxed-simd"])])
def test_layers_equal_stock_layer_by_layer(kernel, node_flags):
    """Conv2D, Conv2DTranspose, Dense over paddings, strides, dilations, activations, a strided
    input, and Dot through the ndarray-gemm substitute: irc's build vs stock, each kernel."""
    build = kerasjs_build_file("keras-irc.node.js").parent
    proc = subprocess.run(["node", *node_flags, str(CHECK_LAYERS)], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, IRC_KERASJS_KERNEL=kernel, IRC_KERASJS_BUILD=str(build)))
    failed = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert (proc.returncode, failed, proc.stderr) == (0, [], "")
    assert proc.stdout.splitlines()[-1] == f"kernel {kernel}: all layer comparisons within tolerance"


def test_runtime_option_picks_the_build(tmp_path, monkeypatch, capsys):
    """--runtime stock: the page gets keras-js's bundle and the manifest says which build;
    irc run takes either build; without irc's build, one line says to run make setup."""
    out, z = tmp_path / "out", tmp_path / "z.npy"
    assert main(["compile", str(GEN_NPZ), "-o", str(out), "--runtime", "stock"]) == 0
    manifest = read_manifest(out)
    assert (manifest["targets"]["kerasjs"]["build"], manifest["page"]["bundle"]) == ("stock", "keras.min.js")
    np.save(z, np.random.default_rng(0).uniform(-1, 1, manifest["inputs"][0]["source_shape"]).astype(np.float32))
    ys = {}
    for runtime in ("irc", "stock"):
        assert main(["run", str(out), "--input", str(z), "--output", str(tmp_path / f"{runtime}.npy"),
                     "--runtime", runtime]) == 0
        ys[runtime] = np.load(tmp_path / f"{runtime}.npy")
    assert np.abs(ys["irc"] - ys["stock"]).max() <= TOLERANCE * np.ptp(ys["stock"])
    capsys.readouterr()
    monkeypatch.setenv("IRC_KERASJS_BUILD", str(tmp_path / "missing"))
    assert main(["run", str(out), "--input", str(z), "--output", str(tmp_path / "y.npy")]) == 2
    assert capsys.readouterr().err.strip().endswith("irc's Keras.js build is not there; run `make setup`")
