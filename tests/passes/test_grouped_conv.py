import numpy as np

from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "grouped-conv"


def grouped(c_in=6, out=4, group=2):
    b = OnnxBuilder((2, c_in, 7, 5))
    w = b.weight(out, c_in // group, 3, 2)
    return PassCase(b, [b.node("Conv", ["x", w, b.weight(out)], pads=[1, 0, 1, 1], group=group)], NAME)


def test_groups_become_a_block_diagonal_kernel():
    case = grouped()
    before = case.value(case.only("conv2d").inputs[1]).data
    assert case.run() is True
    conv = case.only("conv2d")
    w = case.value(conv.inputs[1])
    assert conv.attrs["group"] == 1 and (w.shape, w.layout) == ((4, 6, 3, 2), "OIHW")
    np.testing.assert_array_equal(w.data[:2, :3], before[:2])
    np.testing.assert_array_equal(w.data[2:, 3:], before[2:])
    assert not np.any(w.data[:2, 3:]) and not np.any(w.data[2:, :3])


def test_depthwise_with_multiplier():
    case = grouped(c_in=5, out=10, group=5)
    assert case.run() is True
    w = case.value(case.only("conv2d").inputs[1]).data
    assert w.shape == (10, 5, 3, 2)
    assert all(not np.any(np.delete(w[o], o // 2, axis=0)) for o in range(10))


def test_ungrouped_conv_is_left_alone():
    grouped(c_in=6, out=4, group=1).assert_no_change()
