"""Benchmark: time to import and run the default pipeline on generated graphs of ~500 and
~2000 nodes, a DenseNet-like block (every layer reads the concat of all before it) and a
plain conv/batch-norm/relu chain. The graph bookkeeping (producer, consumers, edges) should
grow with the node count, not its square: 4x the nodes, about 4x the time. Prints numbers;
asserts nothing.
Run: .venv/bin/python tests/benchmarks/graph_benchmark.py
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from irc.frontend.onnx_import import import_onnx  # noqa: E402
from passes.pipeline import run_pipeline  # noqa: E402
from tests.onnx_models import OnnxBuilder, batch_norm_params  # noqa: E402

# Small tensors: the time is the graph's, not numpy's.
SIZE, GROWTH = 6, 2


def densenet_like(layers):
    """4 nodes a layer: batch_norm -> relu -> conv -> concat with everything so far."""
    b = OnnxBuilder((1, 4, SIZE, SIZE))
    features, channels = b.input_name, 4
    for _ in range(layers):
        h = b.node("Relu", [b.node("BatchNormalization", [features, *batch_norm_params(b, channels)])])
        h = b.node("Conv", [h, b.weight(GROWTH, channels, 3, 3)], pads=[1, 1, 1, 1])
        features, channels = b.node("Concat", [features, h], axis=1), channels + GROWTH
    return b.model([features])


def conv_chain(layers):
    """3 nodes a layer: conv -> batch_norm -> relu."""
    b = OnnxBuilder((1, 4, SIZE, SIZE))
    h = b.input_name
    for _ in range(layers):
        h = b.node("Conv", [h, b.weight(4, 4, 3, 3), b.weight(4)], pads=[1, 1, 1, 1])
        h = b.node("Relu", [b.node("BatchNormalization", [h, *batch_norm_params(b, 4)])])
    return b.model([h])


def measure(model):
    """-> (nodes after import, seconds to import and run the default pipeline)."""
    start = time.perf_counter()
    graph = import_onnx(model)
    nodes = len(graph.nodes())
    run_pipeline(graph)
    return nodes, time.perf_counter() - start


def main():
    for scale in (1, 4):
        for name, model in (("densenet-like", densenet_like(125 * scale)), ("conv chain", conv_chain(167 * scale))):
            nodes, seconds = measure(model)
            print(f"{name:14} {nodes:5} nodes  import + default pipeline {seconds:6.2f} s")


if __name__ == "__main__":
    main()
