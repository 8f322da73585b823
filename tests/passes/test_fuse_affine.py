import numpy as np

from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "fuse-affine"
SHAPE = (2, 5, 7, 6)


def chain(*steps, extra_output=False):
    """x -> op(., constant) for each op type in `steps`."""
    b = OnnxBuilder(SHAPE)
    h, outputs = "x", []
    for op_type in steps:
        h = b.node(op_type, [h, b.weight(5, 1, 1)])
        outputs.append(h)
    return b, PassCase(b, outputs if extra_output else [h], NAME)


def params(case):
    return [case.value(name).data for name in case.only("affine").inputs[1:]]


def test_mul_then_add_is_one_affine():
    b, case = chain("Mul", "Add")
    assert case.run() is True
    assert case.ops() == ["affine"]
    offset, scale, shift = params(case)
    assert not np.any(offset) and np.any(scale != 1) and np.any(shift)


def test_add_then_mul_moves_the_add_to_the_offset():
    b, case = chain("Add", "Mul")
    add_shift = case.value(case.graph.nodes()[0].inputs[3]).data
    assert case.run() is True
    offset, scale, shift = params(case)
    np.testing.assert_array_equal(offset, -add_shift)
    assert not np.any(shift)


def test_mul_add_mul_stays_two_steps():
    """The second Mul would have to round before the Add: a second layer keeps it exact."""
    b, case = chain("Mul", "Add", "Mul")
    assert case.run() is True
    assert case.ops() == ["affine", "affine"]
    assert case.rejections() == [f"{NAME}: left %add2: it ends with a shift and the next map starts with a "
                                 "scale: one map applies offset, scale, shift in that order only"]


def test_mul_then_mul_is_not_merged():
    b, case = chain("Mul", "Mul")
    case.assert_no_change()


def test_intermediate_graph_output_is_not_merged():
    b, case = chain("Mul", "Add", extra_output=True)
    case.assert_no_change()
    assert case.rejections() == [f"{NAME}: left %mul1: its result is a graph output"]
