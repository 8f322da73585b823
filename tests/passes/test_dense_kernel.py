import numpy as np

from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "dense-kernel"


def test_out_in_kernel_becomes_in_out():
    b = OnnxBuilder((3, 7))
    case = PassCase(b, [b.node("Gemm", ["x", b.weight(5, 7), b.weight(5)], transB=1)], NAME)
    before = case.value(case.only("dense").inputs[1]).data
    assert case.run() is True
    w = case.value(case.only("dense").inputs[1])
    assert (w.layout, w.shape) == ("IO", (7, 5))
    np.testing.assert_array_equal(w.data, before.T)
    assert case.value(case.only("dense").inputs[2]).layout == "C"


def test_in_out_kernel_is_unchanged():
    b = OnnxBuilder((3, 7))
    PassCase(b, [b.node("MatMul", ["x", b.weight(7, 5)])], NAME).assert_no_change()
