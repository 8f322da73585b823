"""F.unpooling_2d (Unpooling2D) as standard ONNX, for every ksize, stride, pad and outsize.

onnx_chainer exports it only when outsize is what the unpooling would give by itself and
pad is 0 with stride == ksize; SN-GAN's generators call F.unpooling_2d(x, 2, outsize=(2h, 2w)),
which it refuses (cover_all=True, the default, would give 2h - 1). It also exports
cover_all's sizes as a fractional Resize scale, which does not repeat whole pixels.

What Chainer computes (col2im of the input tiled ksize times): input pixel i lands on
rows i*stride .. i*stride + ksize - 1 of an unpadded canvas of (h-1)*stride + ksize rows,
overlapping windows add up, and the output is rows pad .. pad + outh - 1 of that canvas,
zeros past its end. So:
  canvas  stride == ksize: Resize nearest by the integer factor ksize (pixels repeated);
          else: a ConvTranspose with an all-ones ksize kernel per channel (windows added)
  output  one Pad of the canvas: -pad at the start (a crop) and outh + pad - canvas at the
          end (a crop when negative, zeros when positive); none when both are 0.
"""

import numpy as np
from onnx_chainer import onnx_helper

OPSET = 11      # Resize with roi and scales inputs, Pad with a pads input


def convert_unpooling_2d(params):
    if params.opset_version < OPSET:
        raise RuntimeError(f"irc's Unpooling2D converter writes opset {OPSET}, "
                           f"not {params.opset_version}")
    func, context = params.func, params.context
    (x,) = params.input_names
    channels, *size = func.inputs[0].shape[1:]
    kernel, stride, pad = (func.kh, func.kw), (func.sy, func.sx), (func.ph, func.pw)
    graph = onnx_helper.GraphBuilder()
    if kernel == stride:
        scales = context.add_const(np.array([1, 1, *kernel], np.float32), "scales")
        roi = context.add_const(np.array([], np.float32), "roi")
        canvas = graph.op("Resize", [x, roi, scales], mode="nearest",
                          coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    else:
        # Channel c to channel c only; as one block-diagonal kernel, since grouped transposed
        # convolutions do not lower to Keras.js. The zeros add exact zeros.
        ones = np.eye(channels)[:, :, None, None] * np.ones(kernel)
        weight = context.add_const(ones.astype(func.inputs[0].dtype), "ones")
        canvas = graph.op("ConvTranspose", [x, weight], kernel_shape=list(kernel), strides=list(stride))
    canvas_size = [(n - 1) * s + k for n, s, k in zip(size, stride, kernel)]
    end = [out + p - c for out, p, c in zip((func.outh, func.outw), pad, canvas_size)]
    if any(pad) or any(end):
        pads = context.add_const(np.array([0, 0, -pad[0], -pad[1], 0, 0, *end], np.int64), "pads")
        graph.op("Pad", [canvas, pads], mode="constant")
    return graph.nodes(output_names=params.output_names)     # the last node writes the output
