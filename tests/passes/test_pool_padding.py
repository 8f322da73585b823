import numpy as np
import pytest

from irc.errors import IrcError
from irc.ir.graph import Graph, Node, Value
from passes.registry import PASSES
from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "pool-padding"


def pool_relu(op_type, shape=(2, 3, 7, 9), **attrs):
    b = OnnxBuilder(shape)
    return PassCase(b, [b.node("Relu", [b.node(op_type, ["x"], **attrs)])], NAME)


@pytest.mark.parametrize("op_type, shape, attrs, padding, pads", [
    ("MaxPool", (2, 3, 7, 9), dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]), "same", [1, 1, 1, 1]),
    ("MaxPool", (2, 3, 7, 9), dict(kernel_shape=[2, 2], strides=[2, 2]), "valid", [0, 0, 0, 0]),
    ("MaxPool", (2, 3, 7, 9), dict(kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1), "same", [0, 0, 1, 1]),
    ("AveragePool", (2, 3, 7, 9), dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1]), "same", [1, 1, 1, 1]),
], ids=["max-same", "max-valid", "max-ceil-is-same", "avg-exclude-pad-is-same"])
def test_windows_keras_has_need_no_extra_op(op_type, shape, attrs, padding, pads):
    case = pool_relu(op_type, shape, **attrs)
    assert case.run() is True
    pool = case.only({"MaxPool": "max_pool2d", "AveragePool": "avg_pool2d"}[op_type])
    assert pool.inputs == ["x"] and pool.attrs["padding"] == padding and pool.attrs["pads"] == pads
    assert pool.attrs["ceil_mode"] == 0


def test_max_pool_gets_edge_copies_never_zeros():
    """k3 s2 p1 on an even size: Keras 'same' would pad after, ONNX pads before."""
    case = pool_relu("MaxPool", (2, 3, 8, 10), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    assert case.run() is True
    assert case.ops() == ["edge_pad2d", "max_pool2d", "relu"]
    edge = case.only("edge_pad2d")
    assert edge.attrs["amounts"] == [1, 0, 1, 0] and edge.inputs == ["x"]
    pool = case.only("max_pool2d")
    assert pool.inputs == edge.outputs and pool.attrs["padding"] == "valid" and pool.attrs["pads"] == [0, 0, 0, 0]


def test_counted_pads_become_zero_padding():
    case = pool_relu("AveragePool", kernel_shape=[3, 2], strides=[2, 1], pads=[2, 0, 1, 1], count_include_pad=1)
    assert case.run() is True
    pad = case.only("zero_pad2d")
    # ONNX [t, l, b, r] = [2, 0, 1, 1] -> [t, b, l, r], less the bottom row no window reads (7 rows:
    # windows start at -2, 0, 2, 4 and the last ends at row 7)
    assert pad.attrs["amounts"] == [2, 0, 0, 1]
    pool = case.only("avg_pool2d")
    assert pool.inputs == pad.outputs and pool.attrs["padding"] == "valid"
    assert pool.attrs["count_include_pad"] == 0


def test_cells_no_window_reads_are_cropped():
    """k4 s3 pads [1, 0] on 5 rows: one window, cells 0-2; Keras 'same' on 3 rows reads the same."""
    case = pool_relu("MaxPool", (2, 3, 5, 8), kernel_shape=[4, 2], strides=[3, 2], pads=[1, 0, 0, 0])
    assert case.run() is True
    crop = case.only("crop2d")
    assert crop.attrs["amounts"] == [0, 2, 0, 0]
    assert case.only("max_pool2d").attrs["padding"] == "same"


def test_mapped_pool_is_left_alone():
    case = pool_relu("MaxPool", (2, 3, 8, 10), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    case.run()
    case.assert_no_change()


def test_graph_without_pools_is_unchanged():
    b = OnnxBuilder((2, 3, 6, 5))
    PassCase(b, [b.node("Relu", ["x"])], NAME).assert_no_change()


def test_unmappable_pool_is_refused_naming_the_node():
    """The importer takes any pool; this pass refuses the ones Keras cannot pool exactly."""
    graph = Graph("g")
    graph.add_value(Value("x", (1, 7, 6, 3), "f32", "NHWC"))
    graph.inputs.append("x")
    graph.add_value(Value("y", (1, 4, 4, 3), "f32", "NHWC"))
    graph.add_node(Node("y", "avg_pool2d", ["x"], ["y"], {"kernel": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1],
                                                           "ceil_mode": 1, "count_include_pad": 0}, origin="AveragePool:ap"))
    graph.outputs.append("y")
    with pytest.raises(IrcError, match=r"^node y \(avg_pool2d, from AveragePool:ap\): no exact Keras.js pooling for kernel .*: "
                                       r"along [HW] .* left out of the average.*counting them, then rescaling, does not fit either"):
        PASSES[NAME](graph)
    assert np.all([n.op == "avg_pool2d" for n in graph.nodes()])


def test_pads_left_out_of_the_average_are_counted_then_rescaled():
    """Keras 'same' would pad [0, 1] where ONNX pads [1, 0] and leaves it out of the count:
    the zero-padded average, then k*k / (the window's input cells), cell by cell."""
    b = OnnxBuilder((1, 3, 8, 6))
    case = PassCase(b, [b.node("AveragePool", ["x"], kernel_shape=[2, 2], strides=[2, 2], pads=[1, 0, 0, 0])], NAME)
    assert case.run() is True
    assert case.ops() == ["zero_pad2d", "avg_pool2d", "affine"]
