"""The walker rewrite passes share, and the reasons a matched pattern was left alone.

A rewrite is `rewrite(graph, node)` -> True (it changed the graph), False/None (the node
is not what the pass looks for) or Reject("why") (it is, but a check refused it).
`--print-after`/`--verbose` show the rejections: rejection_lines(graph, pass_name).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Reject:
    why: str
    at: str = ""          # the value the reason is about; the walked node's result if empty

    def __bool__(self):   # false like the False it stands for: `if rewrite(...)` means "changed"
        return False


def rewrite_each(graph, pass_name, ops, rewrite):
    """Call rewrite(graph, node) on each node whose op is in `ops` (all nodes if None), in
    topological order, over a snapshot taken first: nodes a rewrite adds are not walked,
    nodes it erased are skipped. -> whether any rewrite changed the graph."""
    rejections = graph.notes[pass_name] = []      # a new run's reasons replace the last run's
    changed = False
    for node in graph.nodes():
        if (ops is not None and node.op not in ops) or not graph.has_node(node):
            continue
        result = rewrite(graph, node)
        if isinstance(result, Reject):
            rejections.append(f"{pass_name}: left %{result.at or node.outputs[0]}: {result.why}")
        elif result:
            changed = True
    return changed


def rejection_lines(graph, pass_name) -> list[str]:
    """The reasons the last run of `pass_name` gave for the matches it refused, one a line."""
    return list(graph.notes.get(pass_name, ()))
