import numpy as np

from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "conv-kernel"


def conv_case():
    b = OnnxBuilder((2, 3, 6, 5))
    return PassCase(b, [b.node("Conv", ["x", b.weight(4, 3, 3, 2), b.weight(4)], pads=[1, 0, 1, 1])], NAME)


def test_oihw_kernel_becomes_hwio():
    case = conv_case()
    before = case.value(case.only("conv2d").inputs[1]).data
    assert case.run() is True
    w = case.value(case.only("conv2d").inputs[1])
    assert (w.layout, w.shape) == ("HWIO", (3, 2, 3, 4))
    np.testing.assert_array_equal(w.data, before.transpose(2, 3, 1, 0))


def test_hwio_kernel_is_unchanged():
    case = conv_case()
    case.run()
    case.assert_no_change()
