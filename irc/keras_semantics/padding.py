"""Keras 'same' padding (Conv2D, pooling, Conv2DTranspose), as Keras 2, Keras.js and
tfjs-layers compute it. The passes decide padding modes with it, the lowering and the
targets check against it: one formula for all of them."""


def same_output(size, stride):
    """Cells a 'same' Conv2D / pooling layer outputs along one axis: ceil(size / stride)."""
    return -(-size // stride)


def same_pads(size, kernel, stride, dilation=1):
    """(before, after) cells a 'same' Conv2D / pooling layer pads along one axis: what the
    last window needs, the odd cell after."""
    total = max((same_output(size, stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def transposed_same_trim(kernel, stride):
    """(before, after) cells a 'same' Conv2DTranspose trims off its size*stride + (kernel -
    stride) output along one axis: kernel - stride of them, fewer in front."""
    total = max(kernel - stride, 0)
    return total // 2, total - total // 2
