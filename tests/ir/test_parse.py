"""irc/ir/parse.py: `irc dump` text back into a graph."""

from pathlib import Path

import numpy as np
import pytest

from irc.ir.dump import format_text
from irc.ir.parse import ParseError, parse_attrs, parse_text
from irc.ir.verify import verify
from tests.passes.test_docstrings import normalised

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "dcgan_ch64.dump"


def test_a_dump_parses_back_to_the_same_dump():
    text = GOLDEN.read_text()
    graph = parse_text(text)
    verify(graph)
    assert normalised(format_text(graph)) == normalised(text)
    assert graph.node("relu_1").origin == "Deconvolution2DFunction_0"
    assert graph.node("relu_1").last_pass == "fuse-activation"


def test_hidden_attributes_come_back():
    graph = parse_text(GOLDEN.read_text())
    assert graph.node("relu_1").attrs["dilations"] == [1, 1] and graph.node("relu_1").attrs["group"] == 1
    assert graph.node("reshape_1").attrs["layout"] == "NHWC"
    assert graph.node("relu_0").attrs["features"] == "(H4W4C64)"


def test_constants_get_their_shape_and_a_single_number_when_min_equals_max():
    graph = parse_text("""graph g(%x : f32[1,2] @NC) -> (%y) {
      const %one : f32[1,2] @NC  min=1 max=1
      const %r : f32[2] @C  min=-0.5 max=0.25 sha=00000000
      0  %y : f32[1,2] @NC = mul(%x, %one)
    }""")
    np.testing.assert_array_equal(graph.value("one").data, np.ones((1, 2), np.float32))
    r = graph.value("r").data
    assert r.dtype == np.float32 and r.shape == (2,) and -0.5 <= r.min() <= r.max() <= 0.25
    np.testing.assert_array_equal(parse_text(format_text(graph)).value("one").data, graph.value("one").data)


def test_attrs():
    assert parse_attrs("strides=[2,2] padding=same epsilon=2e-05 axes=[] features=(H4W4C64)") == {
        "strides": [2, 2], "padding": "same", "epsilon": 2e-05, "axes": [], "features": "(H4W4C64)"}


@pytest.mark.parametrize("text, message", [
    ("relu(%x)", "expected `graph"),
    ("graph g(%x : f32[1] @C) -> (%y) {\n  %y = relu(%x)\n}", "neither a const nor a node line"),
    ("graph g(%x : f32[1] @C) -> (%y) {\n  0  %y : f32[1] @C = frobnicate(%x)\n}", "unknown op frobnicate"),
])
def test_errors(text, message):
    with pytest.raises(ParseError, match=message):
        parse_text(text)
