import pytest

from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "conv-padding"


def conv_relu(strides, pads):
    b = OnnxBuilder((2, 3, 8, 6))          # Keras 'same' with k=3 s=2 pads [0, 1] on both axes
    c = b.node("Conv", ["x", b.weight(4, 3, 3, 3), b.weight(4)], strides=strides, pads=pads)
    return PassCase(b, [b.node("Relu", [c])], NAME)


@pytest.mark.parametrize("strides, pads, padding, amounts", [
    ([1, 1], [1, 1, 1, 1], "same", None),
    ([2, 2], [0, 0, 1, 1], "same", None),              # 'same' pads the odd pixel after
    ([1, 1], [0, 0, 0, 0], "valid", None),
    ([2, 2], [1, 1, 1, 1], "valid", [1, 1, 1, 1]),     # the docstring's case
    ([1, 1], [1, 0, 2, 1], "valid", [1, 2, 0, 1]),     # ONNX [t, l, b, r] -> [t, b, l, r]
], ids=["same-s1", "same-s2", "valid", "pad-symmetric", "pad-asymmetric"])
def test_pads_become_same_or_valid_with_zero_pad(strides, pads, padding, amounts):
    case = conv_relu(strides, pads)
    assert case.run() is True
    conv = case.only("conv2d")
    assert conv.attrs["padding"] == padding
    if amounts is None:
        assert "zero_pad2d" not in case.ops() and conv.attrs["pads"] == pads
    else:
        pad = case.only("zero_pad2d")
        assert pad.attrs["amounts"] == amounts and pad.inputs == ["x"]
        assert conv.inputs[0] == pad.outputs[0] and conv.attrs["pads"] == [0, 0, 0, 0]


def test_mapped_conv_is_left_alone():
    case = conv_relu([2, 2], [1, 1, 1, 1])
    case.run()
    case.assert_no_change()
