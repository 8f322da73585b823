"""A model exported at batch N > 1 compiles as a batch-1 model, run one sample at a time.

Keras.js has no batch axis: it runs one sample. A model whose nodes treat the samples of
its batch independently gives the same batch-N result when each sample runs alone and the
results are stacked, so irc compiles it at batch 1 and records N (graph.source_batch; the
manifest's "source_batch"); `irc run` and the page then run the N samples one by one.

Whether the samples are independent is checked three ways, each naming the first node that
fails, with "mixes the samples of the batch":
  1. structure: at batch N every computed value keeps the batch axis first, at size N
     (a Flatten/Reshape/Transpose/Concat/Reduce over axis 0 moves or merges it);
  2. shapes: imported again at batch 1, every value has the batch-N shape with 1 for N
     (a constant sized for N samples, such as a Reshape to [N, -1] or a [N, ...] weight,
     gives another shape or does not import at all);
  3. numbers: the IR interpreter runs a seeded batch-N input and each of its samples alone;
     every value must agree within the tolerance irc holds a compile to (a Softmax over
     axis 0 keeps every shape but not the numbers).
The compile's probe then compares the source framework at batch N (ONNX Runtime for an
.onnx) with the emitted files run sample by sample (irc/bundle/probe.py).
"""

import numpy as np
import onnx

from irc.errors import IrcError
from irc.fidelity import fidelity_bound
from irc.frontend.probe_inputs import PROBE_SEED, seeded_input
from irc.ir import layout as L
from irc.ir.interpret import interpret

MIXES = "mixes the samples of the batch"


def per_sample(graph, import_at, source):
    """graph (imported at its own input shapes) if its batch is 1; else the same model
    imported at batch 1 by import_at({input name: shape}), with source_batch = N, once the
    samples are shown to be independent. Refuses (IrcError) when they are not."""
    batch = source_batch(graph, source)
    if batch == 1:
        return graph
    _check_batch_axis(graph, batch, source)
    single = _import_single(graph, import_at, batch)
    _check_shapes(graph, single, batch, source)
    _check_numbers(graph, single, batch, source)
    single.source_batch = batch
    return single


def source_batch(graph, source):
    """N: the size of axis 0 every input shares (1 when they all have batch 1)."""
    sizes = {name: graph.value(name).shape for name in graph.inputs}
    batches = {shape[0] for shape in sizes.values() if len(shape) >= 2}     # rank 1 has no batch axis
    if batches <= {1}:
        return 1
    if len(batches) == 1 and all(len(shape) >= 2 for shape in sizes.values()):
        return batches.pop()
    listed = ", ".join(f"{name} {list(shape)}" for name, shape in sizes.items())
    raise IrcError(f"{source}: the inputs do not share one batch axis ({listed}): irc runs a batch > 1 "
                   "model one sample at a time, so every input needs the same batch size on axis 0")


def _check_batch_axis(graph, batch, source):
    for node in graph.nodes():
        for name in node.outputs:
            value = graph.value(name)
            if not value.shape or value.shape[0] != batch or L.axes(value.layout)[0] != "N":
                raise _refusal(source, node, f"its result {list(value.shape)} @{value.layout} does not keep "
                                             f"the batch axis first at size {batch}")


def _import_single(graph, import_at, batch):
    try:
        return import_at({name: (1, *graph.value(name).shape[1:]) for name in graph.inputs})
    except IrcError as exc:
        raise IrcError(f"{exc} (importing the batch-{batch} model at batch 1, to run its samples one at "
                       f"a time: it fixes the batch size in a constant or {MIXES})") from None


def _check_shapes(graph, single, batch, source):
    for node in single.nodes():
        for name in node.outputs:
            if name not in graph.values:
                continue
            at_one, expected = single.value(name).shape, (1, *graph.value(name).shape[1:])
            if at_one != expected:
                raise _refusal(source, node, f"at batch 1 its result is {list(at_one)}, not {list(expected)}: "
                                             f"a constant fixes the batch size at {batch}")


def _check_numbers(graph, single, batch, source):
    feeds = {name: seeded_input(graph.value(name).shape, PROBE_SEED + i) for i, name in enumerate(graph.inputs)}
    whole = interpret(graph, feeds)
    for i in range(batch):            # one sample's values at a time: memory for two runs, not N + 1
        alone = interpret(single, {name: x[i:i + 1] for name, x in feeds.items()})
        for node in single.nodes():
            for name in (n for n in node.outputs if n in whole):
                error, bound = _difference(alone[name], whole[name][i:i + 1])
                if not error <= bound:
                    raise _refusal(source, node, f"sample {i} run alone differs from the batch-{batch} run "
                                                 f"by {error:.3g} (tolerance {bound:.1g})")


def _difference(got, expected):
    """Max abs difference (NaN where both are NaN counts as equal) and irc's tolerance."""
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    diff = np.where(np.isnan(got) & np.isnan(expected), 0.0, np.abs(got - expected))
    finite = expected[np.isfinite(expected)]
    scale = float(np.abs(finite).max()) if finite.size else 0.0
    return float(np.nan_to_num(diff, nan=np.inf).max(initial=0.0)), fidelity_bound(scale)


def _refusal(source, node, why):
    op, _, name = node.origin.partition(":")
    return IrcError(f"{source}: node {name or node.name} ({op or node.op}): {MIXES}: {why}; Keras.js runs "
                    "one sample at a time (export the model at batch 1, or keep the samples apart)")


def at_batch_one(proto):
    """A copy of the ONNX model whose graph inputs and outputs have batch 1 and no stale
    value_info: one sample of a batch-N model the checks above accepted."""
    result = onnx.ModelProto()
    result.CopyFrom(proto)
    constants = {t.name for t in result.graph.initializer}
    for vi in [*result.graph.input, *result.graph.output]:
        dims = vi.type.tensor_type.shape.dim
        if vi.name not in constants and len(dims) >= 2:
            dims[0].Clear()
            dims[0].dim_value = 1
    del result.graph.value_info[:]
    return result
