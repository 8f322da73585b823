"""Property: every small valid ONNX graph built from the ops irc handles (tests/property/graphs.py)
either compiles and, run in Keras.js 1.0 under Node (the kerasjs target), matches ONNX Runtime
within TOLERANCE x max(1, max |reference|), or is refused at compile time with a one-line IrcError.
Any other exception, a Keras.js failure or a wrong number fails.

Node and Keras.js start-up (~0.4 s) dwarf a small graph's compile (~5 ms), so each hypothesis
example is a batch of graphs: each is compiled alone (to sort refused from compiled), and the
compiled ones are then merged side by side into one model (one input and one output each),
compiled again and run in one Node process. Hypothesis shrinks a failing batch to one graph.
The counts end the pytest output (report.py). The examples are split into SHARDS tests of
their own fixed seed (CI sees the same graphs every run), which pytest-xdist runs side by side.
"""

import os
import tempfile
from pathlib import Path

import numpy as np
import onnx
from hypothesis import HealthCheck, given, seed, settings, strategies as st
from onnx import helper

from irc.bundle.manifest import read_manifest
from irc.bundle.run import run_manifest
from irc.compile import CompileOptions, compile_model
from irc.errors import IrcError
from tests.property.graphs import onnx_graphs, run_reference

TOLERANCE = 1e-4
BATCH = 8
# ~75 s (about 430 graphs) on a shared 2-core machine, in SHARDS tests of EXAMPLES / SHARDS
# examples each; IRC_PROPERTY_EXAMPLES=N for a longer hunt.
EXAMPLES = int(os.environ.get("IRC_PROPERTY_EXAMPLES", 150))
SHARDS = 2


def _sharded(shard):
    """Shard `shard` of SHARDS: a test of its own seed."""
    @seed(shard)
    @settings(max_examples=max(1, EXAMPLES // SHARDS), database=None, deadline=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    @given(st.lists(onnx_graphs(), min_size=1, max_size=BATCH))
    def test(property_counts, graphs):
        check_batch(graphs, property_counts)
    return test


for _shard in range(SHARDS):
    globals()[f"test_random_graph_compiles_and_matches_or_is_refused_{_shard}"] = _sharded(_shard)


def check_batch(graphs, property_counts):
    with tempfile.TemporaryDirectory(prefix="irc-property-") as tmp:
        tmp = Path(tmp)
        compiled = [g for i, g in enumerate(graphs) if _compiles(g, tmp / f"g{i}", property_counts)]
        if not compiled:
            return
        merged = _side_by_side([g.model for g in compiled])
        out = _compile(merged, tmp / "merged")
        got = run_manifest(out, read_manifest(out), {f"g{i}_x": g.x for i, g in enumerate(compiled)})
        for i, g in enumerate(compiled):
            _assert_matches(g, got[f"g{i}_{g.output}"])
            property_counts["matched"] += 1


def _compiles(graph, directory, counts):
    """Compile one graph alone: True if it compiles, False if refused cleanly (counted)."""
    counts["graphs"] += 1
    try:
        _compile(graph.model, directory)
    except IrcError as exc:
        assert "\n" not in str(exc), f"refusal is not one line: {exc}"
        counts["refused"] += 1
        return False
    return True


def _compile(model, directory):
    directory.mkdir()
    path = directory / "model.onnx"
    onnx.save(model, path)
    compile_model(path, directory / "out", CompileOptions(probe=False))
    return directory / "out"


def _assert_matches(graph, got):
    expected = run_reference(graph.model, graph.x)[graph.output]
    assert got.shape == expected.shape, f"{graph}: shape {got.shape}, ONNX Runtime {expected.shape}"
    error = float(np.abs(got - expected).max()) if expected.size else 0.0
    bound = TOLERANCE * max(1.0, float(np.abs(expected).max()) if expected.size else 0.0)
    assert error <= bound, f"{graph}: max abs error {error:.3g} > {bound:.3g}"


def _side_by_side(models):
    """One model running `models` side by side: graph i's tensors prefixed "g{i}_"."""
    prefixed = [onnx.compose.add_prefix(m, f"g{i}_") for i, m in enumerate(models)]
    graph = helper.make_graph([n for m in prefixed for n in m.graph.node], "batch",
                              [v for m in prefixed for v in m.graph.input],
                              [v for m in prefixed for v in m.graph.output],
                              [t for m in prefixed for t in m.graph.initializer])
    model = helper.make_model(graph, opset_imports=models[0].opset_import)
    model.ir_version = models[0].ir_version
    return model
