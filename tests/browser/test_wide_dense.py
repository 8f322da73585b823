"""A Dense wider than the browser's WebGL MAX_TEXTURE_SIZE, in the demo page's GPU mode.

Keras.js keeps a Dense's units in one texture row and WebGL refuses rows longer than
MAX_TEXTURE_SIZE (8192 on SwiftShader): the ch=1024 DCGAN generator's 16384-unit Dense drew
a wrong image on the GPU (max abs 0.99). irc/targets/kerasjs/wide_dense.py computes it in column groups;
here a small generator with an 18432-unit Dense (tests/browser/wide_generator.py), optimized
(BatchNorm folded into the Dense) and --no-optimize (Dense, BatchNorm, ReLU apart), must give
Chainer's output in CPU mode and CPU mode's output in GPU mode.
"""

import numpy as np
import pytest

from irc.bundle.manifest import read_manifest
from irc.cli import main
from irc.frontend.chainer_frontend import import_chainer
from tests.browser.page_driver import drive, served
from tests.browser.test_page import GPU_ATOL, OUTPUT_ATOL, runtime_flat
from tests.browser.wide_generator import N_HIDDEN, UNITS, WideGenerator
from tests.chainer_models import chainer_forward

ARCH = f"{WideGenerator.__module__.replace('.', '/')}.py:WideGenerator"


def random_wide_generator(path):
    """Saved with batch-norm statistics far from the identity, so a mistake in them shows."""
    import_chainer()
    import chainer
    gen = WideGenerator()
    rng = np.random.RandomState(0)
    for _, param in sorted(gen.namedparams()):
        param.array[...] = rng.normal(0, 1 / np.sqrt(param.shape[-1] if param.ndim == 2 else 1), param.shape)
    gen.bn0.avg_mean[...] = rng.normal(0, 0.5, UNITS)
    gen.bn0.avg_var[...] = rng.uniform(0.3, 3.0, UNITS)
    chainer.serializers.save_npz(str(path), gen)
    return gen


@pytest.mark.parametrize("optimize", [True, False], ids=["optimized", "no-optimize"])
def test_wide_dense_gpu_matches_cpu_and_chainer(optimize, tmp_path):
    gen = random_wide_generator(tmp_path / "wide.npz")
    out = tmp_path / "out"
    assert main(["compile", str(tmp_path / "wide.npz"), "--arch", ARCH, "--no-probe", "-o", str(out),
                 "--input-shape", f"1,{N_HIDDEN}"] + ([] if optimize else ["--no-optimize"])) == 0
    manifest = read_manifest(out)
    source_input, output = manifest["inputs"][0], manifest["outputs"][0]
    z = np.random.RandomState(1).uniform(-1, 1, (1, N_HIDDEN)).astype(np.float32)
    feeds = {source_input["name"]: runtime_flat(z, source_input)}
    with served(out) as url:
        cpu, gpu = drive(url, [{"query": "gpu=0&n=1", "predict": feeds},
                               {"query": "gpu=1&n=1", "predict": feeds}], tmp_path)

    assert (cpu["ready"]["gpu"], cpu["errors"]) == (False, [])
    cpu_out = np.array(cpu["outputs"][output["name"]])
    chainer_out = chainer_forward(gen, z).transpose(output["perm"]).ravel()
    assert np.ptp(chainer_out) > 0.5                   # an image, not a flat colour
    cpu_diff = np.abs(cpu_out - chainer_out).max()
    if not gpu["ready"]["gpu"]:
        pytest.skip(f"no WebGL2 in this Chromium ({gpu['mode']}); GPU mode untested")
    if gpu["maxTextureSize"] >= UNITS:
        pytest.skip(f"MAX_TEXTURE_SIZE {gpu['maxTextureSize']} holds the {UNITS}-unit Dense whole: nothing to test")
    gpu_diff = np.abs(np.array(gpu["outputs"][output["name"]]) - cpu_out).max()
    print(f"CPU vs Chainer {cpu_diff:.1e}; GPU (MAX_TEXTURE_SIZE {gpu['maxTextureSize']}) vs CPU {gpu_diff:.1e}")
    assert cpu_diff <= OUTPUT_ATOL
    assert (gpu["mode"], gpu["errors"]) == ("GPU: WebGL", [])
    assert gpu_diff <= GPU_ATOL
