"""The IR: values with shape, dtype and layout; op nodes; a networkx DiGraph underneath.

Passes use only this API, never networkx directly. Constants (weights) are values with
`data`; they have no producer node. Edges run producer node -> consumer node.
"""

from dataclasses import dataclass, field
from itertools import count

import networkx as nx
import numpy as np


@dataclass
class Value:
    name: str
    shape: tuple
    dtype: str = "f32"
    layout: str = ""              # axis letters, e.g. "NCHW", "NHWC", "OIHW", "C"; "N(H4W4C64)" = flattened group
    data: np.ndarray = None       # set for constants (weights)

    @property
    def is_const(self):
        return self.data is not None


@dataclass
class Node:
    name: str
    op: str
    inputs: list
    outputs: list
    attrs: dict = field(default_factory=dict)
    origin: str = ""              # the ONNX node (and source link) this came from
    last_pass: str = "import"     # the pass that created or last rewrote it
    label: str = ""               # short human name (e.g. the Chainer link "dc1"), used to name layers


class Graph:
    def __init__(self, name="model"):
        self.name = name
        self.values = {}
        self.inputs = []          # value names
        self.outputs = []         # value names
        self._dag = nx.DiGraph()
        self._order = count()     # insertion order makes the topological order stable
        self._value_names = count()
        self._topo = None         # nodes() cached until the DAG changes (consumers() calls it a lot)
        self._position = {}       # node name -> its index in _topo
        self._producers = {}      # value name -> {node name: None}; see _index
        self._readers = {}
        self.notes = {}           # pass name -> the matches it refused, and why (passes/kit.py)
        self.source_batch = 1     # the batch the source model was exported at (irc/frontend/batch.py)

    # ---- values -------------------------------------------------------------
    def add_value(self, value):
        if value.name in self.values:
            raise ValueError(f"value %{value.name} already exists")
        self.values[value.name] = value
        return value

    def const(self, name, data, layout):
        data = np.ascontiguousarray(data)
        return self.add_value(Value(self.fresh_name(name), tuple(data.shape), _dtype_name(data), layout, data))

    def fresh_name(self, base, taken=None):
        taken = self.values if taken is None else taken
        name = base
        while name in taken:
            name = f"{base}.{next(self._value_names)}"
        return name

    def value(self, name):
        return self.values[name]

    # ---- nodes --------------------------------------------------------------
    def add_node(self, node):
        node.name = self.fresh_name(node.name, self._dag)
        self._dag.add_node(node.name, node=node, order=next(self._order))
        self._index(node)
        self._connect(node)
        return node

    def node(self, name):
        return self._dag.nodes[name]["node"]

    def has_node(self, node):
        """Whether `node` is (still) in the graph: not erased, not replaced by a namesake."""
        return node.name in self._dag and self.node(node.name) is node

    def nodes(self):
        """Nodes in a stable topological order (ties broken by insertion order)."""
        return list(self._topo_nodes())

    def _topo_nodes(self):
        if self._topo is None:
            order = nx.get_node_attributes(self._dag, "order")
            names = nx.lexicographical_topological_sort(self._dag, key=order.__getitem__)
            self._topo = [self.node(n) for n in names]
            self._position = {node.name: i for i, node in enumerate(self._topo)}
        return self._topo

    def producer(self, value_name):
        producers = self._producers.get(value_name)
        return self.node(next(iter(producers))) if producers else None

    def consumers(self, value_name):
        """The nodes reading `value_name`, in topological order."""
        found = [self.node(name) for name in self._readers.get(value_name, ())]
        if len(found) > 1:             # sorting needs the topological order; one reader does not
            self._topo_nodes()
            found.sort(key=lambda node: self._position[node.name])
        return found

    def erase(self, node):
        self._topo = None
        self._unindex(node)
        self._dag.remove_node(node.name)

    def erase_unused_values(self):
        used = set(self.inputs) | set(self.outputs) | self._producers.keys() | self._readers.keys()
        for name in list(self.values):
            if name not in used:
                del self.values[name]

    def set_inputs(self, node, inputs):
        self._unindex(node)
        node.inputs = list(inputs)
        self._index(node)
        self._reconnect(node)

    def set_outputs(self, node, outputs):
        self._unindex(node)
        node.outputs = list(outputs)
        self._index(node)
        self._reconnect(node)

    def replace_all_uses(self, old, new):
        """Make every consumer (and the graph outputs) read value `new` instead of `old`."""
        for node in self.consumers(old):
            self.set_inputs(node, [new if i == old else i for i in node.inputs])
        self.outputs = [new if o == old else o for o in self.outputs]

    def rename_value(self, old, new):
        value = self.values.pop(old)
        value.name = new
        self.values[new] = value
        # The same nodes stay connected the same way: only the names (and the indexes) change.
        for name in {*self._producers.get(old, ()), *self._readers.get(old, ())}:
            node = self.node(name)
            self._unindex(node)
            node.inputs = [new if i == old else i for i in node.inputs]
            node.outputs = [new if o == old else o for o in node.outputs]
            self._index(node)
        self.inputs = [new if i == old else i for i in self.inputs]
        self.outputs = [new if o == old else o for o in self.outputs]

    def insert_after(self, value_name, op, out_value, attrs=None, origin="", last_pass="", more_inputs=(), label=""):
        """Insert `op(value, *more_inputs)` producing `out_value` and route all other uses of
        value through it."""
        consumers = self.consumers(value_name)
        graph_outputs = list(self.outputs)
        self.add_value(out_value)
        node = self.add_node(Node(out_value.name, op, [value_name, *more_inputs], [out_value.name],
                                  attrs or {}, origin, last_pass, label))
        for consumer in consumers:
            self.set_inputs(consumer, [out_value.name if i == value_name else i for i in consumer.inputs])
        self.outputs = [out_value.name if o == value_name else o for o in graph_outputs]
        return node

    # ---- indexes and edges --------------------------------------------------
    # value name -> {node name: None} of the nodes producing / reading it (dicts as
    # insertion-ordered sets). Every change to a node's inputs or outputs goes through
    # _unindex/_index, so producer() and consumers() never scan the graph.
    def _index(self, node):
        for value in node.outputs:
            self._producers.setdefault(value, {})[node.name] = None
        for value in node.inputs:
            self._readers.setdefault(value, {})[node.name] = None

    def _unindex(self, node):
        for index, values in ((self._producers, node.outputs), (self._readers, node.inputs)):
            for value in values:
                names = index.get(value, {})
                names.pop(node.name, None)
                if not names:
                    index.pop(value, None)

    def _connect(self, node):
        """Edges from the producers of the node's inputs and to the readers of its outputs."""
        self._topo = None
        for value in node.inputs:
            self._dag.add_edges_from((name, node.name) for name in self._producers.get(value, ())
                                     if name != node.name)
        for value in node.outputs:
            self._dag.add_edges_from((node.name, name) for name in self._readers.get(value, ())
                                     if name != node.name)

    def _reconnect(self, node):
        self._topo = None
        self._dag.remove_edges_from(list(self._dag.in_edges(node.name)) + list(self._dag.out_edges(node.name)))
        self._connect(node)


def _dtype_name(array):
    return {"float32": "f32", "float64": "f64", "int64": "i64", "int32": "i32", "bool": "bool"}.get(
        array.dtype.name, array.dtype.name)
