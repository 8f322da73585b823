"""The demo page (OUT/index.html) in headless Chromium, served by irc serve's server, against
Chainer's forward pass on the same inputs.

Generator page (examples/dcgan/gen.npz): fixed z's drawn through window.irc.generate; each
canvas pixel must be Chainer's output mapped to uint8 the page's way (value_range onto
0..255, rounded half to even) within PIXEL_LEVELS, with at most FLIPPED_SHARE of the values
off at all (Keras.js differs from Chainer by ~1e-6, which moves a value across a rounding
boundary now and then); the interpolation slider at its end draws z1's image. GPU mode (WebGL2; SwiftShader in headless Chromium) is held to the
same, and its raw outputs to CPU mode's within GPU_ATOL.
Generic page (tests/chainer_archs.py CNN, a classifier): the top 5 shown, for fixed inputs
and for an uploaded PNG of the input's size, against Chainer within VALUE_ATOL.
"""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from irc.bundle.manifest import read_manifest
from irc.cli import main
from irc.frontend.chainer_frontend import import_chainer, load_arch_class, load_chainer_model
from tests.browser.page_driver import drive, screenshot_path, served
from tests.chainer_models import chainer_forward

ROOT = Path(__file__).resolve().parents[2]
GEN_NPZ = ROOT / "examples" / "dcgan" / "gen.npz"
ARCHS = ROOT / "tests" / "chainer_archs.py"
N_IMAGES = 4
PIXEL_LEVELS = 1            # max |page - Chainer| in uint8 levels
FLIPPED_SHARE = 0.01        # share of the uint8 values that may differ at all
OUTPUT_ATOL = 1e-4          # raw outputs, CPU mode vs Chainer
GPU_ATOL = 1e-4             # raw outputs, GPU mode vs CPU mode
VALUE_ATOL = 1e-4           # the generic page's shown values (6 significant digits) vs Chainer


def runtime_flat(x, entry):
    """A source-layout sample (batch axis included) as the page takes it."""
    return np.asarray(x, np.float32).transpose(entry["perm"]).ravel().tolist()


def reference_pixels(y, value_range):
    """Chainer's (N, C, H, W) output as the page draws it: (N, H, W, 3) uint8 levels."""
    lo, hi = value_range
    levels = np.clip(np.rint((y.transpose(0, 2, 3, 1).astype(np.float64) - lo) * (255 / (hi - lo))), 0, 255)
    return np.repeat(levels, 3, axis=3) if levels.shape[3] == 1 else levels


def assert_pixels_match(grid, expected, mode):
    pixels = np.array(grid["pixels"], np.float64).reshape(expected.shape[:3] + (4,))
    assert (pixels[..., 3] == 255).all()
    diff = np.abs(pixels[..., :3] - expected)
    print(f"{mode}: pixels vs Chainer max diff {diff.max():.0f} levels, {np.mean(diff > 0):.2%} differ")
    assert diff.max() <= PIXEL_LEVELS and np.mean(diff > 0) <= FLIPPED_SHARE, mode


def assert_screenshot_shows(path, grid, image):
    """The first grid image, scaled up on screen, is in the screenshot: sample each cell's centre."""
    shot = np.asarray(Image.open(path).convert("RGB"), np.float64)
    box, (h, w) = grid["box"], image.shape[:2]
    ys = (box["y"] + (np.arange(h) + 0.5) * box["height"] / h).astype(int)
    xs = (box["x"] + (np.arange(w) + 0.5) * box["width"] / w).astype(int)
    assert np.abs(shot[np.ix_(ys, xs)] - image).max() <= 2


@pytest.fixture(scope="module")
def dcgan_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("page") / "out"
    assert main(["compile", str(GEN_NPZ), "-o", str(out), "--no-probe"]) == 0
    return out


def test_generator_page_draws_chainer_pixels(dcgan_out, tmp_path):
    manifest = read_manifest(dcgan_out)
    source_input, output = manifest["inputs"][0], manifest["outputs"][0]
    zs = np.random.RandomState(0).uniform(-1, 1, (N_IMAGES,) + tuple(source_input["source_shape"][1:]))
    y = chainer_forward(load_chainer_model(GEN_NPZ), zs.astype(np.float32))
    expected = reference_pixels(y, output["value_range"])
    assert np.ptp(expected) > 64                      # images, not a flat colour
    feeds = [runtime_flat(z[None], source_input) for z in zs]
    shot = screenshot_path("dcgan.png")
    visit = {"generate": feeds, "predict": {source_input["name"]: feeds[0]}}
    with served(dcgan_out) as url:
        cpu, gpu = drive(url, [dict(visit, query=f"gpu=0&n={N_IMAGES}", screenshot=str(shot), lerp=True),
                               dict(visit, query=f"gpu=1&n={N_IMAGES}")], tmp_path)

    assert (cpu["ready"]["kind"], cpu["ready"]["gpu"], cpu["mode"], cpu["errors"]) == \
        ("generator", False, "CPU: relaxed SIMD (?gpu=0)", [])      # irc's build, its best kernel
    assert_pixels_match(cpu["grid"], expected, "CPU")
    assert_screenshot_shows(shot, cpu["grid"], expected[0])
    start, at_slider, end = cpu["lerp"]
    assert at_slider == end != start                  # the slider's end is z1's image
    cpu_out = np.array(cpu["outputs"][output["name"]])
    chainer_out = y[:1].transpose(output["perm"]).ravel()
    print(f"CPU: load {cpu['stats']['loadMs']:.0f} ms, {cpu['stats']['inferMs']:.1f} ms per image; "
          f"max abs vs Chainer {np.abs(cpu_out - chainer_out).max():.1e}")
    assert np.abs(cpu_out - chainer_out).max() <= OUTPUT_ATOL

    if not gpu["ready"]["gpu"]:
        pytest.skip(f"no WebGL2 in this Chromium ({gpu['mode']}); GPU mode untested")
    assert (gpu["mode"], gpu["errors"]) == ("GPU: WebGL", [])
    assert_pixels_match(gpu["grid"], expected, "GPU")
    gpu_diff = np.abs(np.array(gpu["outputs"][output["name"]]) - cpu_out).max()
    print(f"GPU: load {gpu['stats']['loadMs']:.0f} ms, {gpu['stats']['inferMs']:.1f} ms per image; "
          f"max abs vs CPU mode {gpu_diff:.1e}")
    assert gpu_diff <= GPU_ATOL


def test_gpu_mode_is_stock_keras_js_bit_for_bit(dcgan_out, tmp_path):
    """irc's build leaves keras-js's WebGL path as it is: the page with the irc bundle and with
    the stock one (--runtime stock) give identical GPU outputs on the same input."""
    stock_out = tmp_path / "stock"
    assert main(["compile", str(GEN_NPZ), "-o", str(stock_out), "--no-probe", "--runtime", "stock"]) == 0
    assert (stock_out / "keras.min.js").is_file() and not (stock_out / "keras-irc.min.js").exists()
    source_input = read_manifest(dcgan_out)["inputs"][0]
    z = np.random.RandomState(1).uniform(-1, 1, source_input["source_shape"]).astype(np.float32)
    visit = {"query": "gpu=1&n=1", "predict": {source_input["name"]: runtime_flat(z, source_input)}}
    results = {}
    for name, out in (("irc", dcgan_out), ("stock", stock_out)):
        with served(out) as url:
            [results[name]] = drive(url, [visit], tmp_path)
    if not results["irc"]["ready"]["gpu"]:
        pytest.skip(f"no WebGL2 in this Chromium ({results['irc']['mode']}); GPU mode untested")
    assert [results[name]["mode"] for name in results] == ["GPU: WebGL", "GPU: WebGL"]
    assert results["irc"]["outputs"] == results["stock"]["outputs"]


def shown_top(shown):
    """[(index, value)] of the top-5 table the page shows for its one output."""
    [section] = shown
    return [(int(index), float(value)) for _, index, value in section["top"]]


def assert_top_matches(shown, logits):
    order = np.argsort(-logits)[:5]
    top = shown_top(shown)
    assert [i for i, _ in top] == order.tolist()
    assert np.abs(np.array([v for _, v in top]) - logits[order]).max() <= VALUE_ATOL


def test_generic_page_shows_classifier_scores(tmp_path):
    import_chainer()
    np.random.seed(0)                                 # Chainer's initialisers draw from numpy's RNG
    model = load_arch_class(f"{ARCHS}:CNN")()
    import chainer
    chainer.serializers.save_npz(str(tmp_path / "cnn.npz"), model)
    shape = (1, 3, 20, 16)
    out = tmp_path / "out"
    assert main(["compile", str(tmp_path / "cnn.npz"), "--arch", f"{ARCHS}:CNN", "--no-probe",
                 "--input-shape", ",".join(map(str, shape)), "-o", str(out)]) == 0
    entry = read_manifest(out)["inputs"][0]
    x = np.random.RandomState(1).uniform(0, 1, shape).astype(np.float32)
    # An upload the size of the input: the page reads its pixels unresampled, / 255.
    png = np.random.RandomState(2).randint(0, 256, (shape[2], shape[3], 3), dtype=np.uint8)
    Image.fromarray(png).save(tmp_path / "upload.png")
    x_png = (png.transpose(2, 0, 1)[None] / 255).astype(np.float32)
    with served(out) as url:
        [result] = drive(url, [{"query": "gpu=0", "show": {entry["name"]: runtime_flat(x, entry)},
                                "upload": str(tmp_path / "upload.png")}], tmp_path)

    assert (result["ready"]["kind"], result["errors"]) == ("generic", [])
    assert_top_matches(result["shown"][0], chainer_forward(model, x)[0])
    assert_top_matches(result["shown"][1], chainer_forward(model, x_png)[0])
