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
