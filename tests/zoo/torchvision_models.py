"""torchvision's classifiers as an irc --arch class: `torchvision_models.py:Classifier` with
--arch-args '{"name": "resnet18", "size": 64}' builds torchvision.models.resnet18 with
realistic random weights, seeded (no download: irc's tests never fetch pretrained weights).
The same arguments give the same weights, so the test's reference and irc's export agree."""

import numpy as np
import torch

from tests.zoo import zoo
from tests.zoo.torchvision_shim import models

BATCH = 16          # the images the batch norms' running statistics are taken from
# Their truncated-normal init takes seconds, and random_weights replaces it.
CONSTRUCTOR_ARGS = {"googlenet": {"init_weights": False}, "inception_v3": {"init_weights": False}}


class Classifier(torch.nn.Module):
    """size: the input images' (square) size, which the running statistics are taken at."""

    def __init__(self, name, size, seed=0):
        super().__init__()
        with torch.random.fork_rng():          # torchvision's init draws from torch's RNG
            torch.manual_seed(seed)
            self.net = getattr(models, name)(**CONSTRUCTOR_ARGS.get(name, {}))
            random_weights(self.net, np.random.default_rng(seed))
            running_statistics(self.net, zoo.image_input((BATCH, 3, size, size), seed))
        self.eval()

    def forward(self, x):
        return self.net(x)


def random_weights(model, rng):
    """He-scaled convolution and linear weights, small random biases, batch and layer norms
    with scales and shifts away from 1 and 0, and ConvNeXt's layer scales (1e-6 at init,
    which would hide its residual branches) near 1."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
                _set(module.weight, zoo.he_normal(rng, module.weight.shape, module.weight[0].numel()))
                if module.bias is not None:
                    _set(module.bias, rng.normal(0, 0.1, module.bias.shape).astype(np.float32))
            elif isinstance(module, (torch.nn.BatchNorm2d, torch.nn.LayerNorm)) and module.weight is not None:
                gamma, beta = zoo.batchnorm_statistics(rng, module.weight.numel())[:2]
                _set(module.weight, gamma.reshape(module.weight.shape))
                _set(module.bias, beta.reshape(module.bias.shape))
            if isinstance(getattr(module, "layer_scale", None), torch.nn.Parameter):
                _set(module.layer_scale, (rng.random(module.layer_scale.shape) + 0.5).astype(np.float32))


def running_statistics(model, batch):
    """One pass with the batch norms (only: no dropout, no auxiliary heads) in training mode
    and a cumulative average: each batch norm's running mean and variance become its input's
    over the batch, as training leaves them. Each batch norm's input is then normalised and
    the activations keep their size through depth (with random statistics they grow layer by
    layer: ResNeXt-50's output reached 1.8e3, RegNetX-400MF's 2.9e3)."""
    model.eval()
    for norm in (m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)):
        norm.reset_running_stats()
        norm.momentum = None
        norm.train()
    with torch.no_grad():
        model(torch.from_numpy(batch))


def _set(tensor, array):
    tensor.copy_(torch.from_numpy(np.ascontiguousarray(array)))
