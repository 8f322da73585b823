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


def conv_padding_plan(sizes, kernel, strides, dilations, pads):
    """How a Keras convolution computes an ONNX Conv's pads ([begins..., ends...]) along any
    number of axes: ('same', no explicit padding) where 'same' pads exactly those cells, else
    ('valid', the pads as explicit zero padding [(before, after)] per axis)."""
    count = len(sizes)
    wanted = [(pads[i], pads[i + count]) for i in range(count)]
    if wanted == [same_pads(*axis) for axis in zip(sizes, kernel, strides, dilations)]:
        return "same", [(0, 0)] * count
    return "valid", wanted
