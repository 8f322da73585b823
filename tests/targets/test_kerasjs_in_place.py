"""irc/targets/kerasjs/in_place.py: in the kerasjs target's model, a copying Reshape goes in front
of a Keras.js in-place layer (BatchNormalization, LeakyReLU, ELU, PReLU, ThresholdedReLU) whose
input has other readers."""

import numpy as np
import onnx

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.compile import CompileOptions, compile_model
from irc.frontend.onnx_import import import_onnx
from irc.lower.lower import lower
from irc.targets.kerasjs.checks import check_in_place_layers
from irc.targets.kerasjs.legalize import legalize
from passes.pipeline import run_pipeline
from tests.onnx_models import OnnxBuilder, batch_norm_params, run_ort

SHAPE = (1, 5, 7, 6)


def lowered(builder, outputs):
    graph = import_onnx(builder.model(outputs))
    run_pipeline(graph)
    model = legalize(lower(graph))
    check_in_place_layers(model)             # the emitter's independent check passes
    return model


def by_class(model, class_name):
    return [layer for layer in model.layers if layer.class_name == class_name]


def conv_bn(b):
    c = b.node("Conv", ["x", b.weight(5, 5, 3, 3)], pads=[1, 1, 1, 1])
    return c, b.node("BatchNormalization", [c] + batch_norm_params(b, 5))


def test_residual_batchnorm_reads_a_copy():
    b = OnnxBuilder(SHAPE)
    c, bn = conv_bn(b)
    model = lowered(b, [b.node("Add", [bn, c])])
    (conv,), (copy,), (norm,), (add,) = (by_class(model, k) for k in ("Conv2D", "Reshape", "BatchNormalization", "Add"))
    assert copy.inbound == [conv.name] and copy.config["target_shape"] == [7, 6, 5]
    assert norm.inbound == [copy.name] and add.inbound == [norm.name, conv.name]
    assert model.layers.index(copy) == model.layers.index(norm) - 1


def test_sole_reader_gets_no_copy():
    b = OnnxBuilder(SHAPE)
    _, bn = conv_bn(b)
    assert by_class(lowered(b, [b.node("Relu", [bn])]), "Reshape") == []


def test_in_place_layer_reading_an_in_place_result():
    """LeakyReLU's result is read by ELU (in place) and by the Add: ELU gets the copy."""
    b = OnnxBuilder(SHAPE)
    leaky = b.node("LeakyRelu", ["x"], alpha=0.1)
    model = lowered(b, [b.node("Add", [b.node("Elu", [leaky]), leaky])])
    (copy,), (elu,) = by_class(model, "Reshape"), by_class(model, "ELU")
    assert elu.inbound == [copy.name] and copy.inbound == [by_class(model, "LeakyReLU")[0].name]


def test_input_that_is_also_a_model_output(tmp_path):
    """The conv result is a graph output and the BatchNormalization's input: both come out right."""
    b = OnnxBuilder(SHAPE)
    c, bn = conv_bn(b)
    model = b.model([c, bn])
    onnx.save(model, str(tmp_path / "m.onnx"))
    keras_model, _ = compile_model(tmp_path / "m.onnx", tmp_path / "out", CompileOptions(probe=False))
    assert len(by_class(legalize(keras_model), "Reshape")) == 1
    x = b.input()
    got = run_manifest(tmp_path / "out", read_manifest(tmp_path / "out"), {"x": x})
    for name, want in run_ort(model, {"x": x}).items():
        np.testing.assert_allclose(got[name], want, rtol=0, atol=1e-5 * max(1, np.abs(want).max()))
