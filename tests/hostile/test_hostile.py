"""Run the hostile-input corpus (cases.py): exit 2, one line naming the problem, no traceback,
nothing written and nothing existing touched."""

import contextlib
import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from irc.cli import main
from tests.hostile.cases import CASES, apply_limits
from tests.hostile.corpus import save_onnx
from tests.hostile.fixtures import build_fixtures, conv_relu_model

ROOT = Path(__file__).resolve().parents[2]
PROCESS_TIMEOUT = 60


@pytest.fixture(scope="session")
def fx(tmp_path_factory):
    return build_fixtures(tmp_path_factory.mktemp("hostile-fixtures"))


def snapshot(directory):
    """{relative path: bytes or None for a directory}, bytecode caches left out."""
    return {str(p.relative_to(directory)): None if p.is_dir() else p.read_bytes()
            for p in sorted(directory.rglob("*")) if "__pycache__" not in p.parts}


def run_in_process(argv):
    """-> (exit status, stderr, stdout); a warning counts as a stderr line, as it would be one
    from the command line."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = main(argv)
        except SystemExit as exc:       # argparse exits on its own
            code = exc.code
    shown = "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in caught)
    return code, shown + err.getvalue(), out.getvalue()


def run_in_child(argv, case, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "irc", *argv], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=PROCESS_TIMEOUT, preexec_fn=case.limits and apply_limits(case.limits))
    return proc.returncode, proc.stderr, proc.stdout


def test_corpus_size():
    print(f"\nhostile corpus: {len(CASES)} cases, {sum(c.process for c in CASES)} in a child process")
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case, fx, tmp_path):
    argv = case.build(tmp_path, fx)
    before = snapshot(tmp_path)
    code, err, _ = run_in_child(argv, case, tmp_path) if case.process else run_in_process(argv)
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("irc: error: "), (code, err)
    assert re.search(case.expect, lines[0]), lines[0]
    assert snapshot(tmp_path) == before, "the failed command changed files"
    assert not list(tmp_path.parent.glob(".*.irc-*")), "a staging directory was left beside the test's directory"


def test_hostile_names_compile_inside_out(fx, tmp_path):
    """Node names with path, regex and quote characters become safe layer names; every file
    lands in OUT."""
    model = conv_relu_model(names=["../../etc", 'q"uote\n'])
    model.graph.node[0].output[0] = model.graph.node[1].input[0] = "x.*/a"
    save_onnx(model, tmp_path / "m.onnx")
    code, err, _ = run_in_process(["compile", str(tmp_path / "m.onnx"), "-o", str(tmp_path / "out"), "--no-probe",
                                "--quantize", "uint8", "--quantize-keep", "x.*"])
    assert code == 0, err
    written = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")} - {"m.onnx", "out"}
    assert {"out/manifest.json", "out/model.bin", "out/report.md"} <= written
    assert all(p.startswith("out/") for p in written), written


def test_float64_weights_are_cast_with_a_note(fx, tmp_path):
    """float64 (and float16) arrays are cast to float32, as chainer.serializers.load_npz does,
    and irc says so; the result is the float32 model's."""
    with np.load(fx.gen_npz) as npz:
        params = {k: v.astype(np.float64) if k.endswith("/W") else v for k, v in npz.items()}
    np.savez(tmp_path / "gen.npz", **params)
    code, err, out = run_in_process(["compile", str(tmp_path / "gen.npz"), "-o", str(tmp_path / "out")])
    assert code == 0, err
    assert re.fullmatch(r"irc: note: .*gen\.npz: 5 arrays stored as float64 \(dc1/W, dc2/W, dc3/W, dc4/W, l0/W\) "
                        r"were cast to float32\n", err), err
    error = re.search(r"kerasjs probe max abs error ([0-9.e+-]+) vs Chainer", out)
    assert error and float(error.group(1)) < 1e-4, out


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KB tmpfs: a disk that really fills up (ENOSPC); skipped where mounting is not allowed."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.parametrize("existing", [False, True], ids=["new-out", "forced-over-old-out"])
def test_full_disk(fx, tiny_disk, existing):
    out = tiny_disk / "out"
    if existing:
        out.mkdir()
        (out / "keep.txt").write_text("mine")
    before = snapshot(tiny_disk)
    code, err, _ = run_in_process(["compile", str(fx.gen_npz), "-o", str(out), "--no-probe", "--force"])
    assert code == 2 and err == (f"irc: error: {out}: writing failed (No space left on device); nothing was "
                                 "written: free some space or choose another -o\n"), err
    assert snapshot(tiny_disk) == before
