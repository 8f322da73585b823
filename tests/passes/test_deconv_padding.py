import pytest

from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "deconv-padding"


def deconv_relu(kernel, strides, pads, relu=True):
    b = OnnxBuilder((2, 3, 5, 4))
    d = b.node("ConvTranspose", ["x", b.weight(3, 6, *kernel), b.weight(6)], strides=strides, pads=pads)
    return PassCase(b, [b.node("Relu", [d]) if relu else d], NAME)


def test_same_pads_become_padding_same():
    case = deconv_relu([4, 4], [2, 2], [1, 1, 1, 1])
    assert case.run() is True
    assert case.ops() == ["conv2d_transpose", "relu"]
    assert case.only("conv2d_transpose").attrs["padding"] == "same"


@pytest.mark.parametrize("kernel, strides, pads, output_padding, crop", [
    ([4, 4], [2, 2], [1, 1, 0, 0], [0, 0], [1, 0, 1, 0]),      # the docstring's case
    ([3, 3], [2, 2], [0, 1, 2, 0], [0, 0], [0, 2, 1, 0]),      # ONNX [t, l, b, r] -> [t, b, l, r]
    ([2, 1], [3, 2], [0, 0, 0, 0], [1, 1], [0, 1, 0, 1]),      # kernel < stride: Keras' extra rows
], ids=["docstring", "asymmetric", "kernel-below-stride"])
def test_other_pads_become_valid_then_crop(kernel, strides, pads, output_padding, crop):
    case = deconv_relu(kernel, strides, pads)
    result = case.only("conv2d_transpose").outputs[0]
    assert case.run() is True
    assert case.ops() == ["conv2d_transpose", "crop2d", "relu"]
    deconv, crop2d = case.only("conv2d_transpose"), case.only("crop2d")
    assert deconv.attrs["padding"] == "valid" and deconv.attrs["pads"] == [0, 0, 0, 0]
    assert deconv.attrs["output_padding"] == output_padding
    assert crop2d.attrs["amounts"] == crop
    assert crop2d.inputs == deconv.outputs and crop2d.outputs == [result]
    assert case.only("relu").inputs == [result]


def test_crop_takes_over_the_graph_output():
    case = deconv_relu([4, 4], [2, 2], [1, 1, 0, 0], relu=False)
    case.run()
    assert case.graph.producer(case.graph.outputs[0]).op == "crop2d"


def test_mapped_deconv_is_left_alone():
    case = deconv_relu([4, 4], [2, 2], [1, 1, 0, 0])
    case.run()
    case.assert_no_change()
