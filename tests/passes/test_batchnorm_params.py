import numpy as np
import pytest

from irc.errors import IrcError
from tests.onnx_models import batch_norm_params
from tests.passes.pass_case import OnnxBuilder, PassCase

NAME = "batchnorm-params"


def conv_bn():
    b = OnnxBuilder((2, 3, 6, 5))
    c = b.node("Conv", ["x", b.weight(4, 3, 3, 2)], pads=[1, 0, 1, 1])
    return PassCase(b, [b.node("BatchNormalization", [c, *batch_norm_params(b, 4)], epsilon=2e-5)], NAME)


def dense_bn():
    b = OnnxBuilder((3, 7))
    g = b.node("Gemm", ["x", b.weight(5, 7)], transB=1)
    return PassCase(b, [b.node("BatchNormalization", [g, *batch_norm_params(b, 5)])], NAME)


@pytest.mark.parametrize("make, channels", [(conv_bn, 4), (dense_bn, 5)], ids=["nhwc", "2d"])
def test_axis_is_the_last_and_params_are_float32_per_channel(make, channels):
    case = make()
    assert case.run() is True
    bn = case.only("batch_norm")
    assert bn.attrs["axis"] == -1 and bn.last_pass == NAME
    for name in bn.inputs[1:]:
        assert case.value(name).data.dtype == np.float32
        assert case.value(name).data.shape == (channels,)


def test_float64_params_become_float32():
    case = conv_bn()
    gamma = case.value(case.only("batch_norm").inputs[1])
    gamma.data = gamma.data.astype(np.float64)
    case.run()
    assert gamma.data.dtype == np.float32


def test_second_run_is_a_no_op():
    case = conv_bn()
    case.run()
    case.assert_no_change()


def test_parameter_of_wrong_length_is_an_error():
    case = conv_bn()
    gamma = case.value(case.only("batch_norm").inputs[1])
    gamma.data = np.ones(5, np.float32)
    with pytest.raises(IrcError, match="expected \\[4\\]"):
        case.run()
