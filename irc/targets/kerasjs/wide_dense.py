"""Wide Dense layers computed in column groups, for Keras.js's WebGL path.

Keras.js 1.0 holds a vector of n values in a 1 x n WebGL texture (Tensor.createGLTexture) and
splits only textures with too many rows into fragments, never ones with too many columns. A
Dense of more units than the browser's MAX_TEXTURE_SIZE (8192 on Chromium's SwiftShader, 16384
on many GPUs) gets kernel, bias and output textures WebGL refuses (texImage2D: INVALID_VALUE),
computes nothing, and the model's output is wrong: the ch=1024 DCGAN generator's Dense of
4*4*1024 = 16384 units did so, in GPU mode only.

Such a Dense is usually a generator's projection that a Reshape turns into an H x W x C image,
which Keras.js then holds as an (H*W) x C texture. Here the Dense, and the per-unit layers
between it and that Reshape (batch normalization, activations: --no-optimize keeps them), run
on groups of whole image rows at most MAX_UNITS wide; each group is reshaped to rows x C and
the groups are concatenated along the rows before the original Reshape. Every unit is the
same dot product as before, so the result is exact.
"""


# The smallest MAX_TEXTURE_SIZE WebGL2 allows (OpenGL ES 3.0): a split to it fits every browser.
MAX_UNITS = 2048
# Layers that act on each unit alone, with weights of one value per unit (if any).
PER_UNIT = {"BatchNormalization", "Activation", "LeakyReLU", "ELU", "ThresholdedReLU", "PReLU"}


def split_wide_dense(work):
    """Rewrite work.layers (`work`: irc/targets/kerasjs/legalize.py's Legalization); a model
    output is left whole: the caller reads it as one vector."""
    output_layers = {spec.layer for spec in work.outputs}
    for dense in [layer for layer in work.layers if layer.class_name == "Dense"]:
        chain = _chain_to_reshape(work.layers, dense, output_layers)
        if chain:
            _split(work, chain[:-1], chain[-1])


def _chain_to_reshape(layers, dense, output_layers):
    """[dense, per-unit layers..., Reshape to rank >= 2] when each feeds only the next one
    and dense is wider than MAX_UNITS; else None."""
    units = dense.config["units"]
    if units <= MAX_UNITS:
        return None
    chain = [dense]
    while True:
        readers = [layer for layer in layers if chain[-1].name in layer.inbound]
        if chain[-1].name in output_layers or len(readers) != 1:
            return None
        (layer,) = readers
        chain.append(layer)
        if layer.class_name == "Reshape":
            return chain if len(layer.config["target_shape"]) >= 2 else None
        if layer.class_name not in PER_UNIT or any(w.shape != (units,) for _, w in layer.weights):
            return None


def _split(work, chain, reshape):
    width = reshape.config["target_shape"][-1]           # units per image row (C)
    rows = chain[0].config["units"] // width
    per_group = max(1, MAX_UNITS // width)
    if per_group >= rows:
        return                                         # one image row is already wider than the limit
    spans = [(start, min(rows, start + per_group)) for start in range(0, rows, per_group)]
    heads = [chain[0].inbound] * len(spans)
    # Level by level: every group's Dense, then every group's next layer, ...
    for layer in chain:
        heads = [[_add_part(work, layer, start * width, stop * width, inbound, reshape).name]
                 for (start, stop), inbound in zip(spans, heads)]
    groups = [_add(work, reshape, f"{reshape.name}_rows", "Reshape", {"target_shape": [stop - start, width]},
                   inbound, (stop - start, width)).name for (start, stop), inbound in zip(spans, heads)]
    # Concatenate's axis counts the batch axis: 1 is the rows of each (rows, C) group.
    joined = _add(work, reshape, f"{reshape.name}_join", "Concatenate", {"axis": 1}, groups, (rows, width))
    reshape.inbound = [joined.name]
    for layer in chain:
        work.layers.remove(layer)


def _add_part(work, layer, start, stop, inbound, before):
    """`layer` on units start:stop (its weights sliced along their unit axis, the last)."""
    config = dict(layer.config, units=stop - start) if layer.class_name == "Dense" else dict(layer.config)
    weights = [(name, w[..., start:stop].copy()) for name, w in layer.weights]
    return _add(work, before, f"{layer.name}_units{start}", layer.class_name, config, inbound, (stop - start,),
                layer.source, weights)


def _add(work, before, label, class_name, config, inbound, shape, source=None, weights=()):
    """A layer of the split, placed right before `before`."""
    return work.add_before(before, label, class_name, config, inbound, shape,
                           f"{source or before.source} (split for WebGL's texture size)", weights)
