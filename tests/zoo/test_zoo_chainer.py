"""The zoo's Chainer members (definitions copied from public Chainer code into tests/zoo/chainer/,
source and licence in each file's header): realistic random weights saved as an npz, compiled
with `--arch FILE.py:CLASS` as a user would, run in Keras.js and compared with Chainer."""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from irc.compile import CompileOptions
from tests.chainer_models import chainer_forward
from tests.zoo import zoo

DEFINITIONS = Path(__file__).resolve().parent / "chainer"
LOGIT_RANGE = 20.0      # a classifier's last layer is scaled so its logits span this, as trained ones do
BATCH = 16              # the images the running statistics are taken from


@dataclass
class Member:
    arch: str               # FILE.py:CLASS in tests/zoo/chainer
    arch_args: dict         # its constructor's arguments
    shape: tuple            # the input's
    expected: str           # the verdict the test asserts
    logits: str = None      # a classifier's last layer (link path), scaled to LOGIT_RANGE


MEMBERS = {
    # F.unpooling_2d(x, 2, outsize=(2h, 2w)): irc's Unpooling2D converter
    "sngan_resnet_generator": Member("sngan_resnet_generator.py:ResNetGenerator", {}, (1, 128), zoo.MATCHED),
    # grouped convolutions, squeeze-and-excitation (F.average, a broadcast Mul), max pool cover_all
    "chainercv_se_resnext50": Member("chainercv_models.py:SEResNeXt50", {"n_class": 10}, (1, 3, 32, 32),
                                     zoo.MATCHED, logits="/fc6"),
    # TensorFlow's 'SAME' padding (asymmetric F.pad), depthwise convolutions, ReLU6 (F.clipped_relu)
    "chainercv_mobilenet_v2": Member("chainercv_models.py:MobileNetV2", {"n_class": 10}, (1, 3, 64, 64),
                                     zoo.MATCHED, logits="/logits_conv/conv"),
    # F.upsampling_2d with max pooling's indices: no ONNX export (and LRN at its input)
    "chainercv_segnet_basic": Member("chainercv_models.py:SegNetBasic", {}, (1, 3, 32, 32),
                                     zoo.refused("F.upsampling_2d")),
    # F.pad mode='reflect' (ONNX Pad reflect), deconvolutions with outsize
    "cyclegan_resnet_generator": Member("cyclegan_resnet_generator.py:ResnetGenerator", {}, (1, 3, 32, 32),
                                        zoo.MATCHED),
    # leaky ReLU, 'valid' convolutions, a strided deconvolution with pad 3 (2x upscaling)
    "waifu2x_upconv7": Member("waifu2x_srcnn.py:UpConv7", {"ch": 3}, (1, 3, 32, 32), zoo.MATCHED),
    # crops by slicing (x[:, :, 2:-2, 2:-2]), F.broadcast_to in the squeeze-and-excitation
    "waifu2x_upresnet10": Member("waifu2x_srcnn.py:UpResNet10", {"ch": 3}, (1, 3, 64, 64), zoo.MATCHED),
    # ELU, batch norms after activations, deconvolutions, (tanh(y) + 1) * 127.5
    "fast_style_net": Member("fast_style_net.py:FastStyleNet", {}, (1, 3, 32, 32), zoo.MATCHED),
}


@pytest.mark.parametrize("name", list(MEMBERS))
def test_chainer_member(name, tmp_path, zoo_record):
    from irc.frontend.chainer_frontend import import_chainer
    import_chainer()
    import chainer
    member = MEMBERS[name]
    arch = f"{DEFINITIONS / member.arch}"
    model = realistic_model(arch, member, seed=len(name))
    chainer.serializers.save_npz(str(tmp_path / "model.npz"), model, compression=False)   # 8 s less for SE-ResNeXt
    x = zoo.image_input(member.shape, seed=1)
    reference = chainer_forward(model, x)
    del model
    options = CompileOptions(arch=arch, arch_args=json.dumps(member.arch_args), input_shape=member.shape,
                             probe=False)
    outcome, seconds = zoo.timed(zoo.compile_and_compare, tmp_path / "model.npz", tmp_path / "out", options,
                                 x, reference)
    zoo_record(name, "chainer", outcome.verdict, f"{outcome.detail}; {seconds:.1f} s")
    assert outcome.verdict == member.expected, outcome.detail


def realistic_model(arch, member, seed):
    """The model with He-scaled weights, biases and batch-norm scales and shifts away from 0
    and 1, and running statistics taken from a batch, as training leaves them: each batch
    norm's input is then normalised, and deep residual networks keep their activations'
    size (random statistics would let them grow or vanish layer by layer)."""
    import chainer.links as L

    from irc.frontend.chainer_frontend import load_arch_class
    rng = np.random.default_rng(seed)
    batch = zoo.image_input((BATCH,) + member.shape[1:], seed)
    model = load_arch_class(arch)(**member.arch_args)
    chainer_forward(model, batch[:1])                  # lazy links (in_channels=None) take their shapes
    for _, link in sorted(model.namedlinks()):       # by path: Chainer keeps a Chain's children in a set
        if isinstance(link, (L.Convolution2D, L.Linear, L.Deconvolution2D)):
            link.W.array[...] = zoo.he_normal(rng, link.W.shape, fan_in(link))
            if link.b is not None:
                link.b.array[...] = rng.normal(0, 0.1, link.b.shape)
        elif isinstance(link, L.BatchNormalization):
            link.gamma.array[...], link.beta.array[...] = zoo.batchnorm_statistics(rng, link.gamma.size)[:2]
    running_statistics(model, batch)
    if member.logits:
        scale_logits(model, dict(model.namedlinks())[member.logits], batch)
    return model


def fan_in(link):
    """Inputs each output sums: a (grouped) convolution's kernel size, a deconvolution's
    kernel spread over its stride."""
    import chainer.links as L
    if isinstance(link, L.Deconvolution2D):
        return link.W.shape[0] * link.W.array[0, 0].size / np.prod(link.stride)
    return link.W.array[0].size


def running_statistics(model, batch):
    """One training-mode pass with decay 0: each batch norm's running mean and variance
    become its input's over the batch."""
    import chainer
    import chainer.links as L
    norms = [link for link in model.links() if isinstance(link, L.BatchNormalization)]
    decays = [norm.decay for norm in norms]
    for norm in norms:
        norm.decay = 0.0
    with chainer.using_config("train", True), chainer.no_backprop_mode():
        model(batch)
    for norm, decay in zip(norms, decays):
        norm.decay = decay


def scale_logits(model, last, batch):
    """Scale the classifier's last layer so its logits span LOGIT_RANGE over the batch: a
    softmax over near-equal logits would hide any error in them."""
    import chainer
    outputs = []

    class LastLogits(chainer.LinkHook):
        name = "last_logits"

        def forward_postprocess(self, args):
            if args.link is last:
                outputs.append(args.out.array)

    with LastLogits():
        chainer_forward(model, batch)
    factor = LOGIT_RANGE / np.ptp(outputs[0])
    last.W.array *= factor
    last.b.array *= factor
