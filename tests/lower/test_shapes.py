"""irc/lower/shapes.py: lower() gives every layer its per-sample shape, the IR's where the layer
holds a value (checked against what Keras computes), Keras's for the inner layers of rules."""

import pytest

from irc.errors import IrcError
from irc.frontend.onnx_import import import_onnx
from irc.lower.lower import lower
from irc.lower.naming import LayerNamer
from irc.lower.shapes import set_shapes
from passes.pipeline import run_pipeline
from tests.emit.emit_models import input_layer, keras_model, layer
from tests.onnx_models import OnnxBuilder


def test_every_layer_has_its_shape():
    b = OnnxBuilder((1, 5, 7, 6))
    pooled = b.node("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])   # edge padding
    soft = b.node("Softmax", [b.node("Relu", ["x"])], axis=1)                                  # Permute, Reshape
    graph = import_onnx(b.model([pooled, soft]))
    run_pipeline(graph)
    model = lower(graph)
    assert all(each.shape for each in model.layers)
    for each in model.layers:
        if each.value:
            assert each.shape == graph.value(each.value).shape[1:]
    assert [each.shape for each in model.layers if each.class_name == "Cropping2D"][0][:2] in ((1, 6), (7, 1))


def test_a_shape_keras_does_not_compute_is_refused_naming_the_layer():
    model = keras_model("m", [input_layer("x", (4, 3)), layer("flat", "Flatten", {}, ["x"])], [("x", (4, 3))],
                        [("flat", (12,))])
    model.layers[1].shape = (13,)
    with pytest.raises(IrcError, match=r"^layer 'flat' \(Flatten, from flat\): Keras computes shape \[12\], "
                                       r"the IR value it holds is \[13\]$"):
        set_shapes(model)


def test_a_namer_over_taken_names_never_makes_a_suffix_or_an_ending():
    taken = ["conv_3", "5"]                       # "5" is no name irc makes, but a model may have it
    namer = LayerNamer(taken)
    names = [namer("copy") for _ in range(3)]
    assert names == ["copy_4", "copy_6", "copy_7"]     # numbered after the taken names; copy_5 ends with 5
    assert all(not a.endswith(b) for a in names + taken for b in names + taken if a != b)
