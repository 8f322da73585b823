"""Refuse batch norms that compute their statistics from the batch at inference.

onnx_chainer exports Chainer's training-mode batch normalization (the BatchNormalization
function, not FixedBatchNormalization) with the traced input's own mean and variance
stored as constants: right on that input only. PyTorch's exporters keep the computation
(ReduceMean, InstanceNormalization), which irc would have to run. Computing the statistics
at run time needs a square root, which Keras.js 1.0 does not have.
"""

import contextlib

from irc.errors import IrcError

WHY = ("the exported model would hold this input's statistics as constants; Keras.js 1.0 has no "
       "square root, so irc cannot compute them at run time")


@contextlib.contextmanager
def refusing_chainer_batch_statistics(model, source):
    """While onnx_chainer converts, a training-mode BatchNormalization function raises IrcError."""
    from onnx_chainer import mapping
    links = {id(param): name.rsplit("/", 1)[0] for name, param in model.namedparams()}

    def refuse(converter_params):
        func = converter_params.func
        params = [func.inputs[i].get_variable_or_none() for i in (1, 2)]      # gamma, beta
        link = next((links[id(p)] for p in params if id(p) in links), None)
        where = f"link {link}" if link else "a call whose gamma and beta are no link's parameters"
        raise IrcError(f"{source}: {where} computes batch statistics (F.batch_normalization, "
                       f"an instance norm at inference): {WHY}")

    original = mapping.converters["BatchNormalization"]
    mapping.converters["BatchNormalization"] = refuse
    try:
        yield
    finally:
        mapping.converters["BatchNormalization"] = original


def refuse_torch_batch_statistics(model, source):
    """A BatchNorm without running statistics (track_running_stats=False) or an InstanceNorm
    normalises by the input's own statistics in eval mode too."""
    from torch import nn
    for name, module in model.named_modules():
        if isinstance(module, nn.modules.instancenorm._InstanceNorm):
            kind = f"{type(module).__name__}, an instance norm"
        elif isinstance(module, nn.modules.batchnorm._BatchNorm) and not module.track_running_stats:
            kind = f"{type(module).__name__} with track_running_stats=False"
        else:
            continue
        raise IrcError(f"{source}: module {name} computes batch statistics ({kind}): irc would have to "
                       "compute them at run time, and Keras.js 1.0 has no square root")
