"""irc check finds the pass and node that broke the numbers, and the emitted layer whose
weights are wrong. Each runs the real command (user passes stay in their own process)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from irc.compile import CompileOptions, compile_model
from tests.chainer_models import save_random_generator

BAD_PASS = textwrap.dedent('''
    import numpy as np
    from passes.registry import register_pass

    @register_pass("swap-dc2-taps", after="deconv-kernel")
    def swap_dc2_taps(graph):
        """The classic mistake: kernel rows and columns swapped, the layout label kept."""
        node = next(n for n in graph.nodes() if n.outputs[0] == "dc2")
        kernel = graph.value(node.inputs[1])
        kernel.data = np.ascontiguousarray(kernel.data.transpose(1, 0, 2, 3))
        return True
''')


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    path = tmp_path_factory.mktemp("check") / "gen.npz"
    save_random_generator(path, 32, seed=5)
    return path


def irc(*args):
    return subprocess.run([sys.executable, "-m", "irc", *map(str, args)], capture_output=True, text=True)


def test_clean_model_passes_every_stage(gen):
    proc = irc("check", gen)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith("OK: every stage within tolerance")
    for section in ("IR (numpy interpreter)", "Keras (TensorFlow)", "Keras.js (Node)"):
        assert section in proc.stdout
    assert "<<<" not in proc.stdout


def test_wrong_kernel_transposition_names_the_pass_and_the_node(gen, tmp_path):
    (tmp_path / "bad.py").write_text(BAD_PASS)
    proc = irc("check", gen, "--passes", tmp_path / "bad.py", "--stages", "ir")
    assert proc.returncode == 1
    assert "the IR diverges from ONNX Runtime after pass swap-dc2-taps at node %dc2" in proc.stdout
    marked = [line for line in proc.stdout.splitlines() if "<<< first over tolerance" in line]
    assert marked[0].split()[0] == "swap-dc2-taps"              # in the per-pass list
    assert marked[1].split()[1] == "%dc2"                      # in the node dump
    passes_before = proc.stdout.split("swap-dc2-taps")[0]
    assert "deconv-kernel" in passes_before and "<<<" not in passes_before


def test_corrupted_weight_entry_names_the_kerasjs_layer(gen, tmp_path):
    model, _ = compile_model(gen, tmp_path / "out", CompileOptions(probe=False))
    layer = next(layer for layer in model.layers if layer.value == "relu_3")   # dc3, bn3 and relu_3
    kernel = layer.weights[0][1]
    data = (tmp_path / "out" / "model.bin").read_bytes()
    at = data.index(kernel.tobytes())
    corrupted = (kernel * np.float32(1.5)).tobytes()
    (tmp_path / "out" / "model.bin").write_bytes(data[:at] + corrupted + data[at + len(corrupted):])

    proc = irc("check", gen, "--out", tmp_path / "out", "--stages", "kerasjs")
    assert proc.returncode == 1
    assert f"Keras.js (Node) first differs at layer {layer.name} (Conv2DTranspose" in proc.stdout
    marked = next(line for line in proc.stdout.splitlines() if "<<<" in line)
    assert marked.split()[0] == layer.name


def test_check_refuses_files_compiled_from_another_model(gen, tmp_path):
    other = tmp_path / "other.npz"
    save_random_generator(other, 32, seed=6)
    compile_model(other, tmp_path / "out", CompileOptions(probe=False))
    proc = irc("check", gen, "--out", tmp_path / "out", "--stages", "kerasjs")
    assert proc.returncode == 2 and "was compiled from another model" in proc.stderr


def test_bad_stage_name_is_a_clean_error(gen):
    proc = irc("check", gen, "--stages", "ir,tfjs")
    assert proc.returncode == 2 and proc.stderr.strip() == "irc: error: --stages: unknown tfjs (known: ir, keras, kerasjs)"
