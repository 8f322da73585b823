import numpy as np

from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "deconv-kernel"


def deconv_case():
    b = OnnxBuilder((2, 3, 5, 4))
    return PassCase(b, [b.node("ConvTranspose", ["x", b.weight(3, 4, 3, 2), b.weight(4)], strides=[2, 1])], NAME)


def test_iohw_kernel_becomes_hwoi():
    case = deconv_case()
    before = case.value(case.only("conv2d_transpose").inputs[1]).data
    assert case.run() is True
    w = case.value(case.only("conv2d_transpose").inputs[1])
    assert (w.layout, w.shape) == ("HWOI", (3, 2, 4, 3))
    np.testing.assert_array_equal(w.data, before.transpose(2, 3, 1, 0))


def test_hwoi_kernel_is_unchanged():
    case = deconv_case()
    case.run()
    case.assert_no_change()
