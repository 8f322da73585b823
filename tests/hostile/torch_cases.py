"""Hostile inputs: PyTorch."""

from tests.hostile.corpus import case, compile_args, write
from tests.hostile.fixtures import build_torch_fixture


def torch_args(tmp, fx, weights, *flags):
    build_torch_fixture(fx)
    return compile_args(f"{fx.torch_net}:Net", tmp, "--weights", weights, "--input-shape", "1,3,4,5", *flags)


def save_state(path, state):
    import torch
    torch.save(state, path)
    return path


@case(r"w\.pt: holds a pickled Python object \(.*\), which irc does not load")
def torch_pickled_object(tmp, fx):
    import argparse
    return torch_args(tmp, fx, save_state(tmp / "w.pt", {"conv.weight": argparse.Namespace(run="rm -rf /")}))


@case(r"w\.pt: not a PyTorch weights file")
def torch_garbage_weights(tmp, fx):
    return torch_args(tmp, fx, write(tmp / "w.pt", "hello"))


@case(r"w\.pt: conv\.weight holds 1 NaN value; irc refuses non-finite weights")
def torch_nan_weight(tmp, fx):
    build_torch_fixture(fx)
    state = fx.torch_state()
    state["conv.weight"].view(-1)[5] = float("nan")
    return torch_args(tmp, fx, save_state(tmp / "w.pt", state))


@case(r"w\.pt: conv\.bias has dtype torch\.int32; irc loads floating-point weights")
def torch_integer_weight(tmp, fx):
    build_torch_fixture(fx)
    state = fx.torch_state()
    state["conv.bias"] = state["conv.bias"].int()
    return torch_args(tmp, fx, save_state(tmp / "w.pt", state))


@case(r"w\.pt does not fit Net: missing: bn\.bias; unexpected: extra; mis-shaped: conv\.weight \[4, 3, 1, 1\]")
def torch_state_dict_does_not_fit(tmp, fx):
    import torch
    build_torch_fixture(fx)
    state = fx.torch_state()
    del state["bn.bias"]
    state["extra"] = torch.zeros(1)
    state["conv.weight"] = torch.zeros(4, 3, 1, 1)
    return torch_args(tmp, fx, save_state(tmp / "w.pt", state))


@case(r"tnet\.py:Net: give the input shape of a PyTorch model with --input-shape")
def torch_without_input_shape(tmp, fx):
    return compile_args(f"{fx.torch_net}:Net", tmp)
