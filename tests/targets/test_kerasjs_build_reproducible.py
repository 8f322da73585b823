"""irc's Keras.js build is reproducible: building again gives the bytes `make setup` built,
and the kernels' .wat files in the repository are what gen_wat.js emits (the build compiles
gen_wat.js's text, so a stale .wat would mislead a reader)."""

import subprocess
from pathlib import Path

import pytest

from irc.targets.node.modules import REPO_ROOT, kerasjs_build_file

SOURCES = REPO_ROOT / "irc" / "targets" / "kerasjs" / "irc_kerasjs"
BUNDLES = ("keras-irc.min.js", "keras-irc.node.js", "gemm.wasm", "gemm_relaxed.wasm")


def test_a_rebuild_gives_the_same_bytes(tmp_path):
    subprocess.run(["node", str(SOURCES / "build.js"), str(tmp_path)], check=True, capture_output=True,
                   timeout=300)
    for name in BUNDLES:
        assert (tmp_path / name).read_bytes() == kerasjs_build_file(name).read_bytes(), name


@pytest.mark.parametrize("variant, wat", [("simd", "gemm.wat"), ("relaxed", "gemm_relaxed.wat")])
def test_the_wat_files_are_what_gen_wat_emits(variant, wat):
    emitted = subprocess.run(["node", str(SOURCES / "gen_wat.js"), variant], check=True, capture_output=True,
                             text=True, timeout=60).stdout
    assert emitted == Path(SOURCES / wat).read_text()
