"""ONNX Runtime on the source model, with every intermediate tensor exposed."""

import copy

import numpy as np
from onnx import numpy_helper

from irc.errors import IrcError
from irc.frontend.batch import at_batch_one


def reference_model(proto, weights, source_batch=1):
    """The source ONNX with its weights inside (the Chainer front end keeps them apart)
    and every node output declared a graph output. source_batch > 1 (the graph's, see
    irc/frontend/batch.py): the model declared at batch 1, as irc compiled it."""
    model = at_batch_one(proto) if source_batch > 1 else copy.deepcopy(proto)
    weights = weights or {}
    model.graph.initializer.extend(numpy_helper.from_array(np.asarray(a), n) for n, a in weights.items())
    constant = {t.name for t in model.graph.initializer}
    kept = [vi for vi in model.graph.input if vi.name not in constant]   # ORT warns per weight-input
    del model.graph.input[:]
    model.graph.input.extend(kept)
    declared = {o.name for o in model.graph.output}
    for node in model.graph.node:
        for name in node.output:
            if name and name not in declared:
                model.graph.output.add().name = name
                declared.add(name)
    return model


def run_all_tensors(model, feeds):
    """{tensor name: array} for every graph input and node output."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise IrcError("irc check needs onnxruntime: run `make setup`") from None
    options = ort.SessionOptions()
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        results = dict(zip(names, session.run(names, feeds)))
    except Exception as exc:     # ORT raises its own exception types for bad models
        raise IrcError(f"ONNX Runtime cannot run the source model: {str(exc).splitlines()[0][:300]}") from None
    results.update(feeds)
    return results
