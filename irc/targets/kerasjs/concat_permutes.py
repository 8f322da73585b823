"""Concatenations off the last axis, through Permutes, for Keras.js's WebGL path.

Keras.js 1.0's WebGL path concatenates 3D tensors only along the last axis, so a
Concatenate of 3D tensors on another axis runs between Permutes that swap that axis last
and back: the same result on the CPU, and a model the browser can run with gpu: true.
The Permute back takes the Concatenate's name (and the IR value it holds), so its readers
and the model's outputs are unchanged.
"""

import dataclasses


def permute_concatenations(work):
    """Rewrite work.layers (`work`: irc/targets/kerasjs/legalize.py's Legalization)."""
    for concat in [layer for layer in work.layers if layer.class_name == "Concatenate"]:
        axis = _per_sample_axis(concat)
        if len(concat.shape) == 3 and axis != 2:
            _wrap(work, concat, axis)


def _per_sample_axis(concat):
    # Keras counts a positive axis with the batch axis.
    axis = concat.config.get("axis", -1)
    return axis - 1 if axis > 0 else axis + len(concat.shape)


def _wrap(work, concat, axis):
    dims = [1, 2, 3]
    dims[axis], dims[2] = 3, axis + 1                # swap the axis with the last one (an involution)
    swapped = [work.add_before(concat, f"{concat.name}_in", "Permute", {"dims": dims}, [name],
                               _permuted(work.layer(name).shape, dims), concat.source).name
               for name in concat.inbound]
    joined = work.add_before(concat, f"{concat.name}_last", "Concatenate", {"axis": 3}, swapped,
                             _permuted(concat.shape, dims), concat.source)
    back = dataclasses.replace(concat, class_name="Permute", config={"dims": dims}, inbound=[joined.name])
    work.layers[work.layers.index(concat)] = back


def _permuted(shape, dims):
    return tuple(shape[d - 1] for d in dims)
