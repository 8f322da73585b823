"""Bad input: exit 2, one line naming the file/node/op, no traceback, nothing written."""

import subprocess
import sys

import numpy as np
import onnx
import pytest

from irc.cli import main
from tests.chainer_models import save_random_generator
from tests.onnx_models import OnnxBuilder


@pytest.fixture(scope="module")
def gen_npz(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "gen.npz"
    save_random_generator(path, 16)
    return path


def compile_error(capsys, tmp_path, *args):
    out = tmp_path / "out"
    code = main(["compile", *map(str, args), "-o", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("irc: error: ")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.irc-")] == []
    return err


def write(path, text):
    path.write_text(text)
    return path


def test_missing_model(capsys, tmp_path):
    assert "nope.npz: no such file" in compile_error(capsys, tmp_path, tmp_path / "nope.npz")


def test_not_an_npz(capsys, tmp_path):
    err = compile_error(capsys, tmp_path, write(tmp_path / "gen.npz", "hello"))
    assert "gen.npz: not a readable .npz archive" in err


def test_unknown_extension(capsys, tmp_path):
    assert "unknown model type '.pkl'" in compile_error(capsys, tmp_path, write(tmp_path / "m.pkl", "x"))


def test_npz_that_does_not_fit_lists_every_misfit(capsys, tmp_path, gen_npz):
    params = dict(np.load(gen_npz))
    del params["bn1/gamma"]
    params["dc9/W"] = np.zeros(3, np.float32)
    params["dc2/b"] = np.zeros(5, np.float32)
    np.savez(tmp_path / "bad.npz", **params)
    err = compile_error(capsys, tmp_path, tmp_path / "bad.npz")
    assert "bad.npz does not fit Generator" in err
    assert "missing: bn1/gamma" in err and "extra: dc9/W" in err and "mis-shaped: dc2/b [5] (model: [4])" in err


def test_pickled_npz_is_refused(capsys, tmp_path):
    np.savez(tmp_path / "p.npz", obj=np.array([{"a": 1}], dtype=object))
    assert "p.npz: obj holds pickled Python objects" in compile_error(capsys, tmp_path, tmp_path / "p.npz")


def test_arch_file_missing(capsys, tmp_path, gen_npz):
    err = compile_error(capsys, tmp_path, gen_npz, "--arch", tmp_path / "net.py:Gen")
    assert "net.py not found" in err


def test_arch_class_missing(capsys, tmp_path, gen_npz):
    arch = write(tmp_path / "net.py", "x = 1\n")
    assert "net.py defines no Gen" in compile_error(capsys, tmp_path, gen_npz, "--arch", f"{arch}:Gen")


def test_arch_file_that_raises(capsys, tmp_path, gen_npz):
    arch = write(tmp_path / "net.py", "raise RuntimeError('boom')\n")
    err = compile_error(capsys, tmp_path, gen_npz, "--arch", f"{arch}:Gen")
    assert "importing" in err and "RuntimeError: boom" in err


def test_bad_arch_args(capsys, tmp_path, gen_npz):
    assert "--arch-args: not valid JSON" in compile_error(capsys, tmp_path, gen_npz, "--arch-args", "{ch: 3")


def test_bad_input_shape(capsys, tmp_path, gen_npz):
    assert "--input-shape 1,a" in compile_error(capsys, tmp_path, gen_npz, "--input-shape", "1,a")


def test_unsupported_onnx_op_names_op_and_node(capsys, tmp_path):
    builder = OnnxBuilder((1, 3, 4, 5))
    out = builder.node("LpNormalization", [builder.node("Relu", ["x"])])
    onnx.save(builder.model([out]), str(tmp_path / "m.onnx"))
    err = compile_error(capsys, tmp_path, tmp_path / "m.onnx")
    assert "node LpNormalization_2 (LpNormalization)" in err and "not supported" in err


def test_existing_output_is_kept_without_force(capsys, tmp_path, gen_npz):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["compile", str(gen_npz), "-o", str(out)]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert (out / "keep.txt").read_text() == "mine"
    assert main(["compile", str(gen_npz), "-o", str(out), "--force"]) == 0
    assert "keep.txt" not in {p.name for p in out.iterdir()}
    assert {"index.html", "manifest.json", "model.bin", "report.md"} <= {p.name for p in out.iterdir()}


def test_command_line_prints_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "irc", "compile", str(tmp_path / "missing.npz")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"irc: error: {tmp_path / 'missing.npz'}: no such file"
    assert "Traceback" not in proc.stderr


def test_debug_shows_the_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "irc", "--debug", "compile", str(tmp_path / "missing.npz")],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" in proc.stderr
