"""compile, check and dump build their graph the same way (irc/build.py): the same flags give
the same passes and the same IR in each; manifest.json records the pipeline and check/dump
--out replay it."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from irc.cli import main
from tests.test_compile_debugging import BREAKS_A_LAYOUT

GEN = Path(__file__).parents[2] / "examples" / "dcgan" / "gen.npz"
FLAG_SETS = {
    "default": [],
    "no-optimize": ["--no-optimize"],
    "disable-fold-batchnorm": ["--disable-pass", "fold-batchnorm"],
    "enable-deconv-taps": ["--enable-pass", "deconv-taps"],
    "quantize-uint8": ["--quantize", "uint8"],
    "verify-each": ["--verify-each"],
}
# What each flag set must do to the pipeline (the rest is the default one).
MISSING = {"no-optimize": {"fold-batchnorm", "fuse-activation", "drop-no-op"},
           "disable-fold-batchnorm": {"fold-batchnorm"}, "quantize-uint8": {"fold-batchnorm"}}
ADDED = {"enable-deconv-taps": {"deconv-taps"}}

NO_OP_PLUGIN = textwrap.dedent('''
    from passes.registry import register_pass

    @register_pass("my-pass", after="fuse-activation")
    def my_pass(graph):
        return False
''')


def irc(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def irc_process(*args):
    return subprocess.run([sys.executable, "-m", "irc", *map(str, args)], capture_output=True, text=True)


def verbose_passes(err):
    """The pass names of --verbose's lines, in order."""
    return [line.split()[1] for line in err.splitlines() if line.startswith("irc: ") and " nodes " in line]


def last_dump(err):
    """The last `// after PASS` block of --print-after all, without its header."""
    return err.rsplit("// after ", 1)[1].split("\n", 1)[1]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """gen.npz compiled without optimisations and with deconv-taps."""
    root = tmp_path_factory.mktemp("front_half")
    for name in ("no-optimize", "enable-deconv-taps"):
        assert main(["compile", str(GEN), "-o", str(root / name), "--no-probe", *FLAG_SETS[name]]) == 0
    return root


@pytest.mark.parametrize("name", FLAG_SETS)
def test_every_command_runs_the_same_pipeline_for_the_same_flags(capsys, tmp_path, name):
    flags = FLAG_SETS[name]
    watch = ["--verbose", "--print-after", "all"]
    code, _, compile_err = irc(capsys, "compile", GEN, "-o", tmp_path / "out", "--no-probe", *flags, *watch)
    assert code == 0
    code, _, check_err = irc(capsys, "check", GEN, "--stages", "ir", *flags, *watch)
    assert code == 0
    code, dumped, dump_err = irc(capsys, "dump", GEN, *flags, *watch)
    assert code == 0

    passes = json.loads((tmp_path / "out" / "manifest.json").read_text())["pipeline"]["passes"]
    assert verbose_passes(compile_err) == verbose_passes(check_err) == verbose_passes(dump_err) == passes
    assert compile_err == check_err == dump_err            # the same IR after every pass
    assert last_dump(dump_err) == dumped
    from passes.pipeline import default_pipeline
    assert set(default_pipeline()) - set(passes) == MISSING.get(name, set())
    assert set(passes) - set(default_pipeline()) == ADDED.get(name, set())


def test_manifest_records_the_pipeline(compiled):
    record = json.loads((compiled / "enable-deconv-taps" / "manifest.json").read_text())["pipeline"]
    assert record["enable"] == ["deconv-taps"] and record["optimize"] and record["disable"] == []
    assert record["quantize"] is None and record["plugins"] == []
    assert record["passes"].index("deconv-taps") == record["passes"].index("fuse-activation") + 1


def test_check_out_replays_a_no_optimize_compile_and_compares_every_layer(capsys, compiled):
    code, out, _ = irc(capsys, "check", GEN, "--out", compiled / "no-optimize", "--stages", "kerasjs")
    assert code == 0, out
    assert "compared 16 of 16 layers" in out and "not compared" not in out
    assert out.rstrip().endswith("OK: every stage within tolerance")


def test_dump_out_replays_the_pipeline(capsys, compiled):
    _, replayed, _ = irc(capsys, "dump", GEN, "--out", compiled / "no-optimize")
    _, flagged, _ = irc(capsys, "dump", GEN, "--no-optimize")
    assert replayed == flagged
    code, taps, _ = irc(capsys, "dump", GEN, "--out", compiled / "enable-deconv-taps", "--after", "deconv-taps")
    assert code == 0 and "interleave2d" in taps


def test_dump_after_an_opt_in_pass_needs_it_enabled(capsys):
    code, taps, _ = irc(capsys, "dump", GEN, "--enable-pass", "deconv-taps", "--after", "deconv-taps")
    assert code == 0 and "interleave2d" in taps
    code, _, err = irc(capsys, "dump", GEN, "--after", "deconv-taps")
    assert code == 2 and err.rstrip().endswith("; it runs with --enable-pass deconv-taps")


@pytest.mark.parametrize("command", ["check", "dump"])
def test_flags_that_contradict_the_manifest_are_refused(capsys, compiled, command):
    code, _, err = irc(capsys, command, GEN, "--out", compiled / "no-optimize", "--disable-pass", "fold-batchnorm")
    assert code == 2
    assert err == (f"irc: error: --disable-pass contradicts {compiled}/no-optimize/manifest.json (compiled with "
                   "--no-optimize); drop it: --out replays OUT's pipeline\n")
    fast = ["--stages", "ir"] if command == "check" else []
    code, _, _ = irc(capsys, command, GEN, "--out", compiled / "no-optimize", "--no-optimize", *fast)
    assert code == 0                                        # agreeing flags are fine


def test_a_plugin_pass_in_the_manifest_asks_for_its_file(tmp_path):
    """In subprocesses: a plugin's pass stays registered in the process that loaded it."""
    (tmp_path / "mine.py").write_text(NO_OP_PLUGIN)
    proc = irc_process("compile", GEN, "-o", tmp_path / "out", "--no-probe", "--passes", tmp_path / "mine.py")
    assert proc.returncode == 0, proc.stderr
    proc = irc_process("dump", GEN, "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert proc.stderr == f"irc: error: {tmp_path}/out/manifest.json: pass my-pass is not registered; " \
                          "give --passes mine.py (the file that registers it)\n"
    proc = irc_process("dump", GEN, "--out", tmp_path / "out", "--passes", tmp_path / "mine.py", "--after", "my-pass")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("command", ["check", "dump"])
def test_verify_each_names_the_pass_that_broke_the_graph(tmp_path, command):
    (tmp_path / "bad.py").write_text(BREAKS_A_LAYOUT)
    proc = irc_process(command, GEN, "--passes", tmp_path / "bad.py", "--verify-each")
    assert proc.returncode == 2
    assert proc.stderr.startswith("irc: error: pass mislabel-dc1 broke the graph (after infer-shapes -> ")
