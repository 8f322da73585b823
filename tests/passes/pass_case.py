"""Shared by the per-pass tests: a tiny ONNX model, imported and brought up to just before the
pass under test by the default pipeline, checked against ONNX Runtime before and after it."""

import numpy as np

from irc.frontend.onnx_import import import_onnx
from irc.ir import layout as L
from irc.ir.verify import verify
from passes.kit import rejection_lines
from passes.pipeline import DEFAULT_PIPELINE
from passes.registry import PASSES
from tests.ir_check import run_ir
from tests.onnx_models import OnnxBuilder, run_ort

__all__ = ["OnnxBuilder", "PassCase", "snapshot", "source_shape"]


class PassCase:
    """`graph` overrides the imported model (for IR the ONNX importer cannot produce);
    the ONNX model then only supplies the reference outputs."""

    def __init__(self, builder, outputs, pass_name, graph=None):
        self.pass_name = pass_name
        model = builder.model(outputs)
        self.feeds = {builder.input_name: builder.input()}
        self.expected = run_ort(model, self.feeds)
        self.graph = graph if graph is not None else import_onnx(model)
        for earlier in DEFAULT_PIPELINE[:DEFAULT_PIPELINE.index(pass_name)]:
            PASSES[earlier](self.graph)    # not run_pipeline: it reads an empty list as "all passes"
        self.check()
        self.io_shapes = io_shapes(self.graph)

    def run(self):
        """Run the pass under test; the graph must stay valid, equal to ORT, same I/O shapes."""
        changed = PASSES[self.pass_name](self.graph)
        self.check()
        assert io_shapes(self.graph) == self.io_shapes
        return changed

    def assert_no_change(self):
        before = snapshot(self.graph)
        assert self.run() is False
        assert snapshot(self.graph) == before

    def check(self):
        verify(self.graph)
        got = run_ir(self.graph, self.feeds)
        assert set(got) == set(self.expected)
        for name, want in self.expected.items():
            np.testing.assert_allclose(got[name], want, rtol=0, atol=1e-5, err_msg=name)

    def rejections(self):
        """What the last run of the pass under test refused, and why (passes/kit.py)."""
        return rejection_lines(self.graph, self.pass_name)

    def ops(self):
        return [n.op for n in self.graph.nodes()]

    def only(self, op):
        nodes = [n for n in self.graph.nodes() if n.op == op]
        assert len(nodes) == 1, f"expected one {op}, got {self.ops()}"
        return nodes[0]

    def value(self, name):
        return self.graph.value(name)


def source_shape(value):
    """The value's shape in the source (ONNX) layout of its rank."""
    return tuple(value.shape[i] for i in L.perm(value.layout, L.SOURCE_ACTIVATION[len(value.shape)]))


def io_shapes(graph):
    return [source_shape(graph.value(n)) for n in graph.inputs + graph.outputs]


def snapshot(graph):
    nodes = [(n.name, n.op, tuple(n.inputs), tuple(n.outputs), repr(sorted(n.attrs.items())), n.last_pass)
             for n in graph.nodes()]
    values = {k: (v.shape, v.layout, None if v.data is None else v.data.tobytes())
              for k, v in graph.values.items()}
    return nodes, values, list(graph.inputs), list(graph.outputs)
