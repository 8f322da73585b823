"""The default pipeline, in order, and the runner that names the pass that failed."""

from irc.errors import IrcError
from irc.ir.verify import GraphInvalid, verify
from passes import (arith_to_affine, decompose_activations, fuse_affine, grouped_conv,  # noqa: F401
                    batchnorm_params, cancel_transposes, conv_kernel, conv_padding,
                    deconv_kernel, deconv_padding, dense_kernel, fold_constants,
                    fold_flatten_into_dense, fold_reshape_into_dense, infer_shapes,
                    pool_padding, remove_identity, to_channels_last)
from passes.registry import INSERTIONS, PASSES

DEFAULT_PIPELINE = [
    "infer-shapes",              # the importer's shapes, re-derived: every later pass reads them
    "fold-constants",            # constant subgraphs become weights before any pattern matching
    "remove-identity",           # Identity/Dropout would break the dense folding patterns
    "decompose-activations",     # selu/hard_sigmoid with non-Keras constants -> Keras activation + affine
    "arith-to-affine",           # add/sub/mul by a constant -> affine (a BatchNormalization, exactly)
    "fuse-affine",               # after arith-to-affine and decompose-activations: merges Mul-then-Add chains
    "to-channels-last",          # inserts the transposes the two fold passes look for
    "batchnorm-params",          # after to-channels-last: the channel axis has moved
    "dense-kernel",              # (in, out) kernels, before fold-flatten reorders the rows
    "fold-reshape-into-dense",   # needs to-channels-last's transposes
    "fold-flatten-into-dense",
    "cancel-transposes",         # what the folds could not absorb, pairwise
    "grouped-conv",              # before conv-kernel: expands group>1 OIHW kernels block-diagonally
    "conv-kernel",
    "deconv-kernel",
    "conv-padding",              # needs final (channels-last) shapes
    "deconv-padding",
    "pool-padding",              # after to-channels-last: its crop/pad ops go in front of NHWC pools
]


def default_pipeline():
    """DEFAULT_PIPELINE with the passes registered with `after=` put in place."""
    names = list(DEFAULT_PIPELINE)
    for name, after in INSERTIONS:
        if after not in names:
            raise IrcError(f"pass {name} asks to run after {after}, which is not in the pipeline")
        names.insert(names.index(after) + 1, name)
    return names


def run_pipeline(graph, names=None, verify_each=False, after_each=None):
    """Run the passes in order. after_each(name, graph) is called after every pass."""
    done = []
    for name in default_pipeline() if names is None else names:
        if name not in PASSES:
            raise IrcError(f"unknown pass {name}; known: {', '.join(sorted(PASSES))}")
        PASSES[name](graph)
        done.append(name)
        if verify_each:
            _verify_after(graph, name, done)
        if after_each:
            after_each(name, graph)
    return graph


def _verify_after(graph, name, done):
    try:
        verify(graph)
    except GraphInvalid as exc:
        raise IrcError(f"pass {name} broke the graph (after {' -> '.join(done[:-1]) or 'import'}): {exc}") from None
