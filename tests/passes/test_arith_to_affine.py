import numpy as np
import pytest

from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "arith-to-affine"
SHAPE = (2, 5, 7, 6)


def case_of(op_type, const_first=False, shape=SHAPE, const_shape=(5, 1, 1)):
    b = OnnxBuilder(shape)
    c = b.weight(*const_shape)
    return PassCase(b, [b.node(op_type, [c, "x"] if const_first else ["x", c])], NAME)


def params(case):
    node = case.only("affine")
    return [case.value(name).data for name in node.inputs[1:]]


@pytest.mark.parametrize("op_type, const_first, stage", [
    ("Add", False, "shift"), ("Add", True, "shift"), ("Mul", False, "scale"), ("Mul", True, "scale"),
    ("Sub", False, "shift"), ("Sub", True, "scale+shift"),
])
def test_constant_operand_becomes_one_affine_step(op_type, const_first, stage):
    case = case_of(op_type, const_first)
    c = case.value(next(i for i in case.graph.nodes()[0].inputs if case.value(i).is_const)).data
    assert case.run() is True
    assert case.ops() == ["affine"]
    offset, scale, shift = params(case)
    assert not np.any(offset)
    if stage == "shift":
        np.testing.assert_array_equal(scale, 1)
        np.testing.assert_array_equal(shift, -c if op_type == "Sub" else c)
    elif stage == "scale":
        np.testing.assert_array_equal(scale, c)
        assert not np.any(shift)
    else:                                   # c - x = (x * -1) + c
        np.testing.assert_array_equal(scale, -1)
        np.testing.assert_array_equal(shift, c)
    assert case.only("affine").last_pass == NAME


def test_parameters_keep_the_activation_rank_and_layout():
    case = case_of("Mul", const_shape=(7, 6))
    case.run()
    scale = case.value(case.only("affine").inputs[2])
    assert (scale.shape, scale.layout) == ((1, 1, 7, 6), "NCHW")


def test_merge_of_two_activations_is_left_alone():
    b = OnnxBuilder(SHAPE)
    PassCase(b, [b.node("Mul", ["x", b.node("Relu", ["x"])])], NAME).assert_no_change()
