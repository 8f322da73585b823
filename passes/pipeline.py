"""The default pipeline, in order, and the runner that names the pass that failed."""

from irc.errors import IrcError
from irc.ir.verify import GraphInvalid, verify
from passes import (  # noqa: F401
    arith_to_affine,
    batchnorm_params,
    cancel_transposes,
    conv_kernel,
    conv_padding,
    decompose_activations,
    deconv_kernel,
    deconv_padding,
    deconv_taps,
    dense_kernel,
    drop_no_op,
    fold_batchnorm,
    fold_constants,
    fold_flatten_into_dense,
    fold_reshape_into_dense,
    fuse_activation,
    fuse_affine,
    infer_shapes,
    pool_padding,
    remove_identity,
    to_channels_last,
)
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
    "conv-kernel",
    "deconv-kernel",
    "fold-batchnorm",            # after batchnorm-params (channel axis moved), fold-reshape-into-dense (which
                                 # permutes the dense columns and the batch-norm parameters together) and the
                                 # kernel passes (scales the final kernels along O); before conv/deconv-padding,
                                 # which can put a crop, zero-pad or bias-affine between a deconv and its BN
    "conv-padding",              # needs final (channels-last) shapes
    "deconv-padding",
    "pool-padding",              # after to-channels-last: its crop/pad ops go in front of NHWC pools
    "fuse-activation",           # after deconv-padding, which may move a deconv's bias behind a zero-pad (the
                                 # activation must follow it), and after every pass matching dense/conv results
    "drop-no-op",                # last: removes what the passes above left computing nothing
]

# Optimisations only: the graph compiles and runs correctly without them (irc compile
# --no-optimize skips them all, --disable-pass NAME one of them). Every other pass is
# required to turn ONNX into what Keras.js runs, and cannot be disabled.
OPTIMIZATIONS = ("fold-batchnorm", "fuse-activation", "drop-no-op")
# Optimisations that run only when asked (--enable-pass NAME), each after the pass named
# here. deconv-taps: Keras.js 1.0 CPU only (kerasjs-legacy cannot run its Permute), and it
# saves ~5-10% of a DCGAN generator's time in Node.
OPT_IN = {"deconv-taps": "fuse-activation"}


def default_pipeline(optimize=True, disable=(), enable=()):
    """DEFAULT_PIPELINE with the passes registered with `after=` and the OPT_IN passes named
    in `enable` put in place, less the optimisations when optimize is False and the passes
    named in `disable`."""
    for name in enable:
        if name not in OPT_IN:
            raise IrcError(f"--enable-pass {name}: not an opt-in pass; the opt-in passes are {', '.join(OPT_IN)}")
        if not optimize:
            raise IrcError(f"--enable-pass {name} is an optimisation: drop --no-optimize to run it")
    for name in disable:
        if name not in PASSES:
            raise IrcError(f"--disable-pass {name}: unknown pass; known: {', '.join(sorted(PASSES))}")
        if name not in OPTIMIZATIONS:
            raise IrcError(f"--disable-pass {name}: {name} is required for a correct Keras.js model and "
                           f"cannot be skipped; the optional passes are {', '.join(OPTIMIZATIONS)}")
    skip = set(disable) | (set() if optimize else set(OPTIMIZATIONS))
    names = [name for name in DEFAULT_PIPELINE if name not in skip]
    for name, after in INSERTIONS + [(name, OPT_IN[name]) for name in enable]:
        if after not in DEFAULT_PIPELINE:
            raise IrcError(f"pass {name} asks to run after {after}, which is not in the pipeline")
        anchor = after
        while anchor not in names:           # run after the pass before a skipped one
            anchor = DEFAULT_PIPELINE[DEFAULT_PIPELINE.index(anchor) - 1]
        names.insert(names.index(anchor) + 1, name)
    return names


def run_pipeline(graph, names=None, verify_each=False, after_each=None):
    """Run the passes in order. after_each(name, graph, changed) is called after every pass;
    changed: what the pass returned."""
    done = []
    for name in default_pipeline() if names is None else names:
        if name not in PASSES:
            raise IrcError(f"unknown pass {name}; known: {', '.join(sorted(PASSES))}")
        changed = PASSES[name](graph)
        done.append(name)
        if verify_each:
            _verify_after(graph, name, done)
        if after_each:
            after_each(name, graph, changed)
    return graph


def _verify_after(graph, name, done):
    try:
        verify(graph)
    except GraphInvalid as exc:
        raise IrcError(f"pass {name} broke the graph (after {' -> '.join(done[:-1]) or 'import'}): {exc}") from None
