"""End to end, PyTorch: torch's forward pass vs the emitted model.bin run in Keras.js under Node,
through the `irc` command line, for the DCGAN example's generator and a ResNet basic block, each
exported with both of torch.onnx's exporters; plus the PyTorch front end's errors."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from irc.cli import main

torch = pytest.importorskip("torch", reason="the PyTorch front end's tests need torch (make setup installs it)")

MODELS = Path(__file__).resolve().parents[1] / "torch_models"
ROOT = Path(__file__).resolve().parents[2]
ATOL = 1e-4            # max abs error
RTOL = 1e-5            # max abs error relative to the range of the output

# name: (FILE.py:CLASS, constructor arguments, input shape)
CASES = {
    "dcgan": (f"{MODELS}/dcgan.py:Generator", {"nz": 100, "ngf": 16, "nc": 3}, (1, 100, 1, 1)),
    "resblock": (f"{MODELS}/resnet.py:BasicBlock", {"planes": 16}, (1, 16, 16, 16)),
}


def random_weights(model, seed):
    """Weights whose output spans a range (a DCGAN init's 0.02 would leave it near zero), and
    batch norms with non-trivial running statistics, so folding them wrongly shows."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
                fan_in = module.weight[0].numel() if isinstance(module, torch.nn.Conv2d) else \
                    module.weight.shape[0] * module.weight[0, 0].numel() / 4
                module.weight.copy_(torch.randn(module.weight.shape, generator=gen) * (2 / fan_in) ** 0.5)
            elif isinstance(module, torch.nn.BatchNorm2d):
                n = module.num_features
                module.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                module.bias.copy_(torch.rand(n, generator=gen) - 0.5)
                module.running_mean.copy_(torch.rand(n, generator=gen) - 0.5)
                module.running_var.copy_(torch.rand(n, generator=gen) * 1.5 + 0.5)
                module.num_batches_tracked.fill_(1000)
    return model.eval()


def build(case, seed=0):
    from irc.frontend.torch_frontend import load_class
    spec, args, _ = CASES[case]
    return random_weights(load_class(spec)(**args), seed)


@pytest.fixture(scope="module", params=[(case, exporter) for case in CASES for exporter in ("torchscript", "dynamo")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def compiled(request, tmp_path_factory):
    case, exporter = request.param
    spec, args, shape = CASES[case]
    tmp = tmp_path_factory.mktemp(f"{case}-{exporter}")
    model = build(case, seed=len(case))
    torch.save(model.state_dict(), tmp / "weights.pt")
    assert main(["compile", spec, "--framework", "torch", "--weights", str(tmp / "weights.pt"),
                 "--arch-args", json.dumps(args), "--input-shape", ",".join(map(str, shape)),
                 "--exporter", exporter, "-o", str(tmp / "out")]) == 0
    return model, shape, tmp


def test_kerasjs_output_matches_torch(compiled):
    model, shape, tmp = compiled
    x = np.random.RandomState(7).uniform(-1, 1, shape).astype(np.float32)
    np.save(tmp / "x.npy", x)
    assert main(["run", str(tmp / "out"), "--input", str(tmp / "x.npy"), "--output", str(tmp / "y.npy")]) == 0
    with torch.no_grad():
        expected = model(torch.from_numpy(x.copy())).numpy()
    got = np.load(tmp / "y.npy")
    assert got.shape == expected.shape
    assert expected.std() > 0.1                     # a saturated or vanishing output would hide errors
    error = np.abs(got - expected).max()
    assert error <= ATOL
    assert error / (expected.max() - expected.min()) <= RTOL


def test_compile_report_states_the_error_against_torch(compiled):
    _, _, tmp = compiled
    fidelity = (tmp / "out" / "report.md").read_text().split("## Fidelity")[1].split("##")[0]
    assert "against PyTorch" in fidelity
    (row,) = [line for line in fidelity.splitlines() if line.startswith("| `")]
    assert 0 <= float(row.split("|")[3]) <= ATOL


def test_manifest_names_the_source(compiled):
    _, shape, tmp = compiled
    manifest = json.loads((tmp / "out" / "manifest.json").read_text())
    assert manifest["source"]["framework"] == "torch" and manifest["source"]["path"] == "weights.pt"
    (x,) = manifest["inputs"]
    assert x["source_name"] in ("z", "x") and x["source_shape"] == list(shape)


def test_no_transposes_left_at_run_time(compiled):
    _, _, tmp = compiled
    layers = (tmp / "out" / "report.md").read_text().split("## Layers")[1]
    classes = {line.split("|")[2].strip() for line in layers.splitlines() if line.startswith("| `")}
    assert not classes & {"Permute", "Transpose"}


# The rest of the two examples: the DCGAN discriminator and a small ResNet (stem, max pool,
# a projection block, global average pool, linear).
MORE = {
    "discriminator": (f"{MODELS}/dcgan.py:Discriminator", {"nc": 3, "ndf": 8}, (1, 3, 64, 64)),
    "resnet": (f"{MODELS}/resnet.py:SmallResNet", {"width": 8, "num_classes": 10}, (1, 3, 32, 32)),
}
@pytest.mark.parametrize("case,exporter", [
    pytest.param(case, exporter, id=f"{case}-{exporter}") for case in MORE for exporter in ("torchscript", "dynamo")])
def test_more_models_match_torch(case, exporter, tmp_path):
    from irc.frontend.torch_frontend import load_class
    spec, args, shape = MORE[case]
    model = random_weights(load_class(spec)(**args), seed=3)
    torch.save(model.state_dict(), tmp_path / "weights.pt")
    assert main(["compile", spec, "--weights", str(tmp_path / "weights.pt"), "--arch-args", json.dumps(args),
                 "--input-shape", ",".join(map(str, shape)), "--exporter", exporter,
                 "-o", str(tmp_path / "out"), "--no-probe"]) == 0
    x = np.random.RandomState(7).uniform(-1, 1, shape).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    assert main(["run", str(tmp_path / "out"), "--input", str(tmp_path / "x.npy"),
                 "--output", str(tmp_path / "y.npy")]) == 0
    with torch.no_grad():
        expected = model(torch.from_numpy(x.copy())).numpy()
    got = np.load(tmp_path / "y.npy")
    assert got.shape == expected.shape
    error = np.abs(got - expected).max()
    scale = np.ptp(expected) or np.abs(expected).max()     # one value per sample has no range
    assert error <= ATOL and error <= RTOL * scale


def test_torchscript_archive_compiles(tmp_path):
    model = build("resblock")
    x = torch.zeros(CASES["resblock"][2])
    torch.jit.trace(model, x).save(str(tmp_path / "block.pt"))
    assert main(["compile", str(tmp_path / "block.pt"), "--input-shape", "1,16,16,16", "-o", str(tmp_path / "out")]) == 0
    assert "against PyTorch" in (tmp_path / "out" / "report.md").read_text()


def test_state_dict_as_model_with_arch(tmp_path):
    spec, args, _ = CASES["resblock"]
    torch.save(build("resblock").state_dict(), tmp_path / "block.pth")
    assert main(["compile", str(tmp_path / "block.pth"), "--arch", spec, "--input-shape", "1,16,8,8",
                 "-o", str(tmp_path / "out")]) == 0


def test_export_leaves_no_files_behind(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for exporter in ("torchscript", "dynamo"):
        assert main(["compile", CASES["resblock"][0], "--input-shape", "1,16,4,4", "--exporter", exporter,
                     "-o", f"out-{exporter}", "--no-probe"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out-dynamo", "out-torchscript"]


def test_default_output_directory_is_named_after_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["compile", CASES["resblock"][0], "--input-shape", "1,16,4,4", "--no-probe"]) == 0
    assert (tmp_path / "out" / "resnet" / "model.bin").is_file()


def test_check_and_dump_take_torch_models(capsys):
    spec = CASES["resblock"][0]
    assert main(["check", spec, "--input-shape", "1,16,4,4", "--stages", "ir"]) == 0
    assert "OK: every stage within tolerance" in capsys.readouterr().out
    assert main(["dump", spec, "--input-shape", "1,16,4,4", "--after", "import"]) == 0
    dump = capsys.readouterr().out
    assert "%conv1.weight" in dump and "conv2d(%x, %conv1.weight" in dump    # readable names


# ---- errors: exit 2, one line naming the file, class or key; nothing written ------------------
def compile_error(capsys, tmp_path, *args):
    out = tmp_path / "out"
    code = main(["compile", *map(str, args), "-o", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("irc: error: "), err
    assert not out.exists()
    return err


def test_missing_class(capsys, tmp_path):
    err = compile_error(capsys, tmp_path, f"{MODELS}/dcgan.py:Critic", "--input-shape", "1,100,1,1")
    assert "dcgan.py:Critic" in err and "defines no Critic" in err


def test_missing_file(capsys, tmp_path):
    err = compile_error(capsys, tmp_path, tmp_path / "nope.py:Net", "--input-shape", "1,3,8,8")
    assert "nope.py not found" in err


def test_user_code_errors_are_one_line(capsys, tmp_path):
    (tmp_path / "broken.py").write_text("import torch.nn as nn\nraise RuntimeError('no GPU\\nsecond line')\n")
    err = compile_error(capsys, tmp_path, tmp_path / "broken.py:Net", "--input-shape", "1,3,8,8")
    assert "broken.py:Net: importing" in err and "RuntimeError: no GPU" in err
    (tmp_path / "ctor.py").write_text("import torch.nn as nn\nclass Net(nn.Module):\n"
                                      "    def __init__(self, width):\n        super().__init__()\n")
    err = compile_error(capsys, tmp_path, tmp_path / "ctor.py:Net", "--input-shape", "1,3,8,8")
    assert "ctor.py:Net: Net(**{}) raised TypeError" in err
    (tmp_path / "fwd.py").write_text("import torch.nn as nn\nclass Net(nn.Module):\n"
                                     "    def forward(self, x):\n        return x.view(7, -1)\n")
    err = compile_error(capsys, tmp_path, tmp_path / "fwd.py:Net", "--input-shape", "1,3,8,8")
    assert "running Net on input [1, 3, 8, 8] failed: RuntimeError" in err


def test_bad_weights_file(capsys, tmp_path):
    spec, args, shape = CASES["resblock"]
    (tmp_path / "junk.pt").write_bytes(b"not a torch file at all")
    err = compile_error(capsys, tmp_path, spec, "--weights", tmp_path / "junk.pt", "--input-shape", "1,16,8,8")
    assert "junk.pt: not a PyTorch weights file" in err
    torch.save({"conv1.weight": Path("pickled.py")}, tmp_path / "pickled.pt")
    err = compile_error(capsys, tmp_path, spec, "--weights", tmp_path / "pickled.pt", "--input-shape", "1,16,8,8")
    assert "pickled.pt: holds a pickled Python object (pathlib" in err and "weights_only=True" in err
    err = compile_error(capsys, tmp_path, spec, "--weights", tmp_path / "none.pt", "--input-shape", "1,16,8,8")
    assert "none.pt: no such file" in err


def test_state_dict_mismatch_lists_every_key(capsys, tmp_path):
    spec, args, shape = CASES["resblock"]
    state = build("resblock").state_dict()
    del state["bn1.running_var"]
    state["fc.weight"] = torch.zeros(3)
    state["conv2.weight"] = torch.zeros(8, 16, 3, 3)
    del state["bn2.num_batches_tracked"]            # not read in inference: not required
    torch.save(state, tmp_path / "bad.pt")
    err = compile_error(capsys, tmp_path, spec, "--weights", tmp_path / "bad.pt", "--input-shape", "1,16,8,8")
    assert "bad.pt does not fit BasicBlock" in err
    assert "missing: bn1.running_var;" in err and "unexpected: fc.weight;" in err
    assert "mis-shaped: conv2.weight [8, 16, 3, 3] (model: [16, 16, 3, 3])" in err


def test_state_dict_is_not_an_archive(capsys, tmp_path):
    torch.save(build("resblock").state_dict(), tmp_path / "sd.pt")
    err = compile_error(capsys, tmp_path, tmp_path / "sd.pt", "--input-shape", "1,16,8,8")
    assert "sd.pt: not a TorchScript archive" in err and "--weights sd.pt" in err


def test_input_shape_is_required(capsys, tmp_path):
    err = compile_error(capsys, tmp_path, CASES["resblock"][0])
    assert "--input-shape" in err


def test_dynamo_failure_names_the_cause(capsys, tmp_path):
    (tmp_path / "branchy.py").write_text(
        "import torch.nn as nn\nclass Net(nn.Module):\n"
        "    def forward(self, x):\n        return x.relu() if x.mean() > 0 else x.tanh()\n")
    err = compile_error(capsys, tmp_path, tmp_path / "branchy.py:Net", "--input-shape", "1,3,8,8",
                        "--exporter", "dynamo")
    assert "with the dynamo exporter failed: GuardOnDataDependentSymNode" in err and "--exporter torchscript" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["branchy.py"]


def test_torchscript_failure_prints_one_line_only(capfd, tmp_path):
    """torch's C++ side prints the whole TorchScript graph straight to file descriptor 1 when
    this exporter fails: irc's one line is all the terminal gets."""
    (tmp_path / "adaptive.py").write_text(
        "import torch.nn as nn\nclass Net(nn.Module):\n"
        "    def forward(self, x):\n        return nn.functional.adaptive_avg_pool2d(x, 3)\n")
    assert main(["compile", f"{tmp_path}/adaptive.py:Net", "--input-shape", "1,2,8,8",
                 "-o", str(tmp_path / "out")]) == 2
    out, err = capfd.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "with the torchscript exporter failed" in err and "adaptive_avg_pool2d" in err


def test_torchscript_exporter_warns_about_a_traced_branch(capsys, tmp_path):
    (tmp_path / "branchy.py").write_text(
        "import torch.nn as nn\nclass Net(nn.Module):\n"
        "    def forward(self, x):\n        return x.relu() if x.mean() > 0 else x.tanh()\n")
    assert main(["compile", f"{tmp_path}/branchy.py:Net", "--input-shape", "1,3,8,8", "-o", str(tmp_path / "out"),
                 "--no-probe"]) == 0
    err = capsys.readouterr().err
    assert "irc: warning:" in err and "Converting a tensor to a Python boolean" in err


def test_options_for_torch_only(capsys, tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"")
    err = compile_error(capsys, tmp_path, tmp_path / "m.onnx", "--weights", "w.pt")
    assert "--weights is for PyTorch models" in err


def run_python(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_importing_irc_does_not_import_torch():
    result = run_python("import sys, irc.cli, irc.compile, irc.frontend.source, irc.frontend.torch_frontend; "
                        "print('torch' in sys.modules)")
    assert result.stdout.strip() == "False", result.stderr


def test_missing_torch_says_how_to_install_it():
    result = run_python("import sys; sys.modules['torch'] = None\n"
                        f"from irc.cli import main; sys.exit(main(['compile', '{CASES['resblock'][0]}', "
                        "'--input-shape', '1,16,8,8', '-o', '/nonexistent/out']))")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "pip install torch==2.13.0" in result.stderr


def test_traced_branch_fails_the_probe(capsys, tmp_path):
    """Traced with mean(x) > 0, probed with mean(x) < 0: the files compute relu, torch tanh."""
    (tmp_path / "branchy.py").write_text(
        "import torch.nn as nn\nclass Net(nn.Module):\n"
        "    def forward(self, x):\n        return x.relu() if x.mean() > 0 else x.tanh()\n")
    assert main(["compile", f"{tmp_path}/branchy.py:Net", "--input-shape", "1,3,8,8",
                 "-o", str(tmp_path / "out")]) == 2
    warning, error = capsys.readouterr().err.strip().splitlines()     # the tracer's warning, then the error
    assert "probe: output" in error and "on an input other than the traced one" in error
    assert "the exported ONNX itself is off by" in error and "a branch taken on it" in error
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("norm", ["nn.BatchNorm2d(3, track_running_stats=False)", "nn.InstanceNorm2d(3)"])
def test_norm_from_batch_statistics_is_refused_naming_the_module(norm, capsys, tmp_path):
    (tmp_path / "norm.py").write_text(
        "import torch.nn as nn\nclass Net(nn.Module):\n"
        f"    def __init__(self):\n        super().__init__()\n        self.norm = {norm}\n"
        "    def forward(self, x):\n        return self.norm(x)\n")
    err = compile_error(capsys, tmp_path, f"{tmp_path}/norm.py:Net", "--input-shape", "1,3,8,8")
    assert "norm.py:Net: module norm computes batch statistics" in err
