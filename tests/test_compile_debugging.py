"""irc compile --print-after and --verify-each."""

import subprocess
import sys
import textwrap

import pytest

from irc.cli import main
from tests.chainer_models import save_random_generator

BREAKS_A_LAYOUT = textwrap.dedent('''
    from passes.registry import register_pass

    @register_pass("mislabel-dc1", after="to-channels-last")
    def mislabel_dc1(graph):
        graph.value("dc1").layout = "NCHW"       # data stays NHWC: the label lies
        return True
''')


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    path = tmp_path_factory.mktemp("debugging") / "gen.npz"
    save_random_generator(path, 16)
    return path


def test_print_after_one_pass(capsys, gen, tmp_path):
    assert main(["compile", str(gen), "-o", str(tmp_path / "out"), "--print-after", "deconv-kernel"]) == 0
    err = capsys.readouterr().err
    assert err.count("// after ") == 1 and "// after deconv-kernel" in err and "@HWOI" in err


def test_print_after_all(capsys, gen, tmp_path):
    assert main(["compile", str(gen), "-o", str(tmp_path / "out"), "--print-after", "all", "--no-probe"]) == 0
    from passes.pipeline import default_pipeline
    assert capsys.readouterr().err.count("// after ") == len(default_pipeline())


def test_print_after_an_enabled_opt_in_pass(capsys, gen, tmp_path):
    assert main(["compile", str(gen), "-o", str(tmp_path / "out"), "--no-probe",
                 "--enable-pass", "deconv-taps", "--print-after", "deconv-taps"]) == 0
    err = capsys.readouterr().err
    assert err.count("// after ") == 1 and "interleave2d" in err


def test_verify_each_names_the_pass_that_broke_the_graph(gen, tmp_path):
    (tmp_path / "bad.py").write_text(BREAKS_A_LAYOUT)
    proc = subprocess.run([sys.executable, "-m", "irc", "compile", str(gen), "-o", str(tmp_path / "out"),
                           "--passes", str(tmp_path / "bad.py"), "--verify-each"], capture_output=True, text=True)
    assert proc.returncode == 2 and not (tmp_path / "out").exists()
    assert proc.stderr.startswith("irc: error: pass mislabel-dc1 broke the graph (after infer-shapes -> ")
    assert "(conv2d_transpose, from ConvTranspose:Deconvolution2DFunction_0): " \
           "%dc1 is [1,8,8,8] @NCHW, the op gives [1,8,8,8] @NHWC" in proc.stderr


# A plugin whose lowering of ONNX Mish is wrong (tanh only, no x * tanh(softplus(x))).
WRONG_MISH_LOWERING = textwrap.dedent('''
    import numpy as np
    from irc.api import lowering, onnx_op, op, same_as_input

    def _mish(node, arrays, values):
        return [(arrays[0] * np.tanh(np.logaddexp(0, arrays[0]))).astype(np.float32)]

    op("mish", same_as_input, _mish, layout="free")

    @onnx_op("Mish")
    def import_mish(ctx, n):
        ctx.emit("mish", [n.input[0]])

    @lowering("mish")
    def lower_mish(ctx, node):
        return ctx.add_layer(node, "Activation", {"activation": "tanh"}, label="mish")
''')


def test_a_failed_probe_names_the_first_layer_that_differs(tmp_path):
    """The export is right (an ONNX source is its own reference) and a lowering is wrong:
    the compile fails naming the Keras.js layer and the ONNX node it came from."""
    import onnx

    from tests.onnx_models import OnnxBuilder
    b = OnnxBuilder((1, 3, 8, 8))
    conv = b.node("Conv", ["x", b.weight(4, 3, 3, 3), b.weight(4)], pads=[1, 1, 1, 1])
    mish = b.node("Mish", [conv])
    out = b.node("Conv", [mish, b.weight(2, 4, 3, 3), b.weight(2)], pads=[1, 1, 1, 1])
    onnx.save(b.model([out], opset=18), tmp_path / "mish.onnx")
    (tmp_path / "wrong_mish.py").write_text(WRONG_MISH_LOWERING)
    # In a process of its own: a plugin's registrations last as long as the process.
    run = subprocess.run([sys.executable, "-m", "irc", "compile", str(tmp_path / "mish.onnx"), "--passes",
                          str(tmp_path / "wrong_mish.py"), "-o", str(tmp_path / "out")], capture_output=True, text=True)
    assert run.returncode == 2
    error = run.stderr.strip()
    assert len(error.splitlines()) == 1
    assert "probe: output" in error and "Keras.js first differs at layer mish" in error
    assert "(Activation, from Mish:Mish_2)" in error
    assert not (tmp_path / "out").exists()
