import numpy as np

from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "decompose-activations"
SHAPE = (2, 5, 7, 6)


def case_of(op_type, **attrs):
    b = OnnxBuilder(SHAPE)
    return PassCase(b, [b.node(op_type, ["x"], **attrs)], NAME)


def test_selu_with_other_constants_is_elu_then_scale():
    case = case_of("Selu", alpha=2.0, gamma=1.5)
    assert case.run() is True
    assert case.ops() == ["elu", "affine"]
    assert case.only("elu").attrs["alpha"] == 2.0
    np.testing.assert_array_equal(case.value(case.only("affine").inputs[2]).data, 1.5)


def test_hard_sigmoid_with_other_constants_is_affine_then_keras_hard_sigmoid():
    case = case_of("HardSigmoid", alpha=0.3, beta=0.4)
    assert case.run() is True
    assert case.ops() == ["affine", "hard_sigmoid"]
    hard = case.only("hard_sigmoid")
    assert np.float32(hard.attrs["alpha"]) == np.float32(0.2) and hard.attrs["beta"] == 0.5


def test_keras_constants_are_left_alone():
    case_of("Selu").assert_no_change()
    case_of("HardSigmoid").assert_no_change()
