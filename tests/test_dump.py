"""irc dump: a golden text dump of the DCGAN generator that fits one screen, parseable node
lines, JSON, DOT and SVG, dumps after a chosen pass, and ONNX Runtime annotations."""

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import onnx
import pytest

from irc.cli import main
from irc.ir.dump import parse_node_line
from tests.chainer_models import save_random_generator
from tests.onnx_models import OnnxBuilder

GOLDEN = Path(__file__).parent / "golden" / "dcgan_ch64.dump"
SCREEN = (50, 200)          # lines, columns


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    path = tmp_path_factory.mktemp("dump") / "gen.npz"
    save_random_generator(path, 64, seed=2026)
    return path


def dump(capsys, *args):
    assert main(["dump", *map(str, args)]) == 0
    return capsys.readouterr().out


def test_dcgan_dump_matches_golden_and_fits_one_screen(capsys, gen):
    text = dump(capsys, gen)
    if os.environ.get("IRC_UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()
    lines = text.splitlines()
    assert len(lines) <= SCREEN[0] and max(map(len, lines)) <= SCREEN[1]


def test_node_lines_parse(capsys, gen):
    node_lines = [line for line in dump(capsys, gen).splitlines() if line[:5].strip().isdigit()]
    parsed = [parse_node_line(line) for line in node_lines]
    assert [p["op"] for p in parsed].count("conv2d_transpose") == 4
    deconv = next(p for p in parsed if p["outputs"] == ["relu_1"])     # dc1 with bn1 and relu_1 folded in
    assert deconv["inputs"] == ["reshape_1", "dc1/W", "dc1/b"] and deconv["layout"] == "NHWC"
    assert "activation=relu" in deconv["attrs"]
    assert "pass=fuse-activation" in deconv["comment"] and "onnx=Deconvolution2DFunction_0" in deconv["comment"]


def test_weights_are_summarised_not_dumped(capsys, gen):
    line = next(line for line in dump(capsys, gen).splitlines() if "const %dc1/W" in line)
    assert "f32[4,4,32,64] @HWOI" in line and "min=" in line and "max=" in line and "sha=" in line
    assert len(line) < 120


def test_after_import_shows_the_source_layouts(capsys, gen):
    text = dump(capsys, gen, "--after", "import")
    assert "%x : f32[1,100,1,1] @NCHW" in text and "@IOHW" in text and "@NHWC" not in text


def test_after_all_dumps_every_pass(capsys, gen):
    text = dump(capsys, gen, "--after", "all")
    from passes.pipeline import default_pipeline
    assert text.count("// after ") == len(default_pipeline()) + 1 and "// after to-channels-last" in text


def test_json_carries_nodes_and_weight_summaries(capsys, gen):
    data = json.loads(dump(capsys, gen, "--format", "json"))
    last = data["nodes"][-1]            # the final sigmoid is fused into the last deconvolution
    assert last["op"] == "conv2d_transpose" and last["attrs"]["activation"] == "sigmoid"
    assert data["values"]["dc1/W"]["layout"] == "HWOI" and "sha=" in data["values"]["dc1/W"]["weight"]


def test_input_annotates_every_node_with_its_error(capsys, gen, tmp_path):
    np.save(tmp_path / "z.npy", np.random.default_rng(1).uniform(-1, 1, (1, 100, 1, 1)).astype(np.float32))
    lines = [line for line in dump(capsys, gen, "--input", tmp_path / "z.npy").splitlines() if "= " in line]
    assert all("Δabs=" in line for line in lines) and not any("<<<" in line for line in lines)


def test_dot_and_svg(capsys, gen):
    dot = dump(capsys, gen, "--format", "dot")
    assert dot.startswith('digraph "gen"') and dot.count(" -> ") == 7
    svg = ET.fromstring(dump(capsys, gen, "--format", "svg"))
    rects = svg.findall("{http://www.w3.org/2000/svg}g/{http://www.w3.org/2000/svg}rect")
    assert len(rects) == 8                        # the input and 7 nodes (BN and activations folded)


def test_svg_stays_readable_for_a_large_graph(capsys, tmp_path):
    builder = OnnxBuilder((1, 3, 5, 4))
    h = "x"
    for _ in range(60):                           # 120 nodes: a deep chain with residual adds
        h = builder.node("Add", [builder.node("Relu", [h]), h])
    onnx.save(builder.model([h]), str(tmp_path / "deep.onnx"))
    svg = ET.fromstring(dump(capsys, tmp_path / "deep.onnx", "--format", "svg"))
    boxes = svg.findall("{http://www.w3.org/2000/svg}g")
    assert len(boxes) == 121
    assert int(svg.get("width")) <= 1000          # grows down, not sideways
