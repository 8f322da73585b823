"""Run an IR graph in the numpy interpreter with source-layout inputs, get source-layout outputs."""

from irc.ir import layout as L
from irc.ir.interpret import interpret


def run_ir(graph, source_inputs):
    feeds = {}
    for name in graph.inputs:
        value = graph.value(name)
        feeds[name] = L.to_layout(source_inputs[name], L.SOURCE_ACTIVATION[len(value.shape)], value.layout)
    env = interpret(graph, feeds)
    return {name: L.to_layout(env[name], graph.value(name).layout,
                              L.SOURCE_ACTIVATION[len(graph.value(name).shape)])
            for name in graph.outputs}
