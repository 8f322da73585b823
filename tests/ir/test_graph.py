"""The Graph API, the layout helpers and the verifier."""

import numpy as np
import pytest

from irc.ir import layout as L
from irc.ir.graph import Graph, Node, Value
from irc.ir.verify import GraphInvalid, verify

SHAPE = (2, 3, 5, 4)


def relu(g, out, x):
    g.add_value(Value(out, SHAPE, layout="NCHW"))
    return g.add_node(Node(out, "relu", [x], [out]))


def chain(*names, outputs=None):
    """x -> relu names[0] -> relu names[1] -> ...; outputs default to the last."""
    g = Graph()
    g.add_value(Value("x", SHAPE, layout="NCHW"))
    g.inputs = ["x"]
    src = "x"
    for name in names:
        relu(g, name, src)
        src = name
    g.outputs = list(outputs or [src])
    return g


def order(g):
    return [n.name for n in g.nodes()]


# ---- Graph ---------------------------------------------------------------------------
def test_order_is_topological_with_insertion_order_breaking_ties():
    g = chain()
    g.add_node(Node("late", "relu", ["early"], ["late"]))      # consumer added before its producer
    g.add_node(Node("b2", "relu", ["x"], ["b2"]))
    g.add_node(Node("early", "relu", ["x"], ["early"]))
    g.add_node(Node("b1", "relu", ["x"], ["b1"]))
    assert order(g) == ["b2", "early", "late", "b1"]
    assert order(g) == order(g)


def test_producer_and_consumers():
    g = chain("a", "b")
    c = relu(g, "c", "a")
    assert g.producer("a").name == "a" and g.producer("x") is None
    assert [n.name for n in g.consumers("a")] == ["b", "c"] and g.consumers("c") == []
    assert c.name == "c"


def test_add_node_takes_a_fresh_name_and_add_value_rejects_duplicates():
    g = chain("a")
    assert g.add_node(Node("a", "relu", ["x"], ["a2"])).name != "a"
    with pytest.raises(ValueError, match="already exists"):
        g.add_value(Value("a", SHAPE))


def test_replace_all_uses_moves_consumers_and_graph_outputs():
    g = chain("a", "b", outputs=["a", "b"])
    relu(g, "c", "x")
    g.replace_all_uses("a", "c")
    assert g.node("b").inputs == ["c"] and g.outputs == ["c", "b"]
    assert g.consumers("a") == [] and order(g) == ["a", "c", "b"]     # b now waits for c


def test_set_inputs_rewires_edges_both_ways():
    g = chain("a", "b")
    relu(g, "c", "x")
    g.set_inputs(g.node("a"), ["c"])
    assert order(g) == ["c", "a", "b"]
    g.set_inputs(g.node("a"), ["x"])                                   # the c -> a edge goes again
    assert order(g) == ["a", "b", "c"]


def test_set_outputs_rewires_edges():
    g = chain()
    g.add_value(Value("p", SHAPE, layout="NCHW"))
    g.add_node(Node("reader", "relu", ["p"], ["r"]))
    g.add_value(Value("q", SHAPE, layout="NCHW"))
    writer = g.add_node(Node("writer", "relu", ["x"], ["q"]))
    assert order(g) == ["reader", "writer"]
    g.set_outputs(writer, ["p"])
    assert order(g) == ["writer", "reader"] and g.producer("p") is writer


def test_insert_after_routes_every_other_use_through_the_new_node():
    g = chain("a", "b", outputs=["a", "b"])
    node = g.insert_after("a", "sigmoid", Value("s", SHAPE, layout="NCHW"), last_pass="test")
    assert node.inputs == ["a"] and node.outputs == ["s"] and node.last_pass == "test"
    assert g.node("b").inputs == ["s"] and g.outputs == ["s", "b"]
    assert order(g) == ["a", "s", "b"]
    verify(g)


def test_rename_value_renames_every_use():
    g = chain("a", "b", outputs=["a", "b"])
    g.rename_value("a", "z")
    g.rename_value("x", "in")
    assert "a" not in g.values and g.value("z").name == "z"
    assert g.node("a").outputs == ["z"] and g.node("b").inputs == ["z"]
    assert g.node("a").inputs == ["in"] and g.inputs == ["in"] and g.outputs == ["z", "b"]
    assert g.producer("z") is g.node("a") and g.consumers("z") == [g.node("b")]
    verify(g)


def test_erase_and_erase_unused_values():
    g = chain("a", "b", "c")
    g.const("w", np.ones(3, np.float32), "C")
    g.erase(g.node("b"))
    g.set_inputs(g.node("c"), ["x"])
    assert order(g) == ["a", "c"] and "b" in g.values
    g.erase(g.node("a"))
    g.erase_unused_values()
    assert set(g.values) == {"x", "c"}                 # unused activations and constants go


def assert_indexes_match_a_scan(g):
    """producer(), consumers() and the edges agree with what scanning every node finds."""
    nodes = g.nodes()
    for value in {v for node in nodes for v in node.inputs + node.outputs} | set(g.values):
        producers = [n for n in nodes if value in n.outputs]
        assert g.producer(value) is (producers[0] if producers else None), value
        assert g.consumers(value) == [n for n in nodes if value in n.inputs], value
    edges = {(a.name, b.name) for a in nodes for b in nodes
             if a is not b and set(a.outputs) & set(b.inputs)}
    assert set(g._dag.edges) == edges


def diamond():
    """x -> a -> (b, c) -> d = add(b, c, a); graph outputs d and a."""
    g = chain("a", "b", outputs=["a"])
    relu(g, "c", "a")
    g.add_value(Value("d", SHAPE, layout="NCHW"))
    g.add_node(Node("d", "add", ["b", "c", "a"], ["d"]))
    g.outputs.append("d")
    return g


MUTATIONS = {
    "add_node": lambda g: relu(g, "e", "b"),
    "erase": lambda g: g.erase(g.node("c")),
    "set_inputs": lambda g: g.set_inputs(g.node("d"), ["x", "b", "b"]),
    "set_outputs": lambda g: (g.add_value(Value("b2", SHAPE)), g.set_outputs(g.node("b"), ["b2"])),
    "replace_all_uses": lambda g: g.replace_all_uses("a", "x"),
    "rename_value": lambda g: g.rename_value("a", "z"),
    "insert_after": lambda g: g.insert_after("a", "sigmoid", Value("s", SHAPE, layout="NCHW")),
}


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_indexes_stay_right_after_each_mutation(mutate):
    g = diamond()
    assert_indexes_match_a_scan(g)
    mutate(g)
    assert_indexes_match_a_scan(g)


def test_indexes_stay_right_through_a_sequence_of_mutations():
    g = diamond()
    for mutate in MUTATIONS.values():
        mutate(g)
        assert_indexes_match_a_scan(g)


def test_has_node_is_false_for_an_erased_node_and_its_namesake():
    g = chain("a")
    old = g.node("a")
    g.erase(old)
    assert not g.has_node(old)
    g.add_node(Node("a", "relu", ["x"], ["a"]))
    assert g.node("a") is not old and not g.has_node(old) and g.has_node(g.node("a"))


def test_const_takes_a_fresh_name_and_records_dtype():
    g = chain()
    w1 = g.const("w", np.ones((2, 3)), "OI")
    w2 = g.const("w", np.ones(3, np.float32), "C")
    assert w1.name == "w" and w2.name != "w"
    assert (w1.dtype, w1.shape, w1.is_const) == ("f64", (2, 3), True) and w2.dtype == "f32"


# ---- layout ------------------------------------------------------------------------------
def test_perm_and_to_layout():
    assert L.perm("NCHW", "NHWC") == (0, 2, 3, 1)
    assert L.perm("NHWC", "NCHW") == (0, 3, 1, 2)
    assert L.perm("OIHW", "HWIO") == (2, 3, 1, 0)
    x = np.arange(np.prod(SHAPE)).reshape(SHAPE)
    assert L.to_layout(x, "NCHW", "NHWC").shape == (2, 5, 4, 3)
    np.testing.assert_array_equal(L.to_layout(L.to_layout(x, "NCHW", "NHWC"), "NHWC", "NCHW"), x)
    assert L.to_layout(x, "NCHW", "NCHW") is x
    with pytest.raises(ValueError, match="same axes"):
        L.perm("NCHW", "NC")


def test_channels_last():
    assert L.channels_last("NCHW") == "NHWC"
    assert L.channels_last("NCW") == "NWC"
    assert L.channels_last("NCDHW") == "NDHWC"
    for unchanged in ("NC", "C", "N(CHW)", "OIHW", "NHWC"):
        assert L.channels_last(unchanged) == unchanged


def test_grouped_layouts_are_one_axis():
    assert L.axes("N(HWC)") == ["N", "(HWC)"]
    assert L.axes("NCHW") == ["N", "C", "H", "W"]
    assert L.perm("N(HWC)", "(HWC)N") == (1, 0)
    assert L.transposed("NCHW", (0, 2, 3, 1)) == "NHWC"
    assert L.group_letters("N(H4W5C3)", 1) == "HWC" and L.group_letters("NHWC", 3) == "C"
    assert L.axes("N(H4W5C3)") == ["N", "(H4W5C3)"]
    assert L.flattened("NHWC", (1, 4, 5, 3)) == "N(H4W5C3)" and L.flattened("NC", (1, 7)) == "NC"


def test_to_source_undoes_a_channels_last_flatten():
    nchw = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    hwc_features = nchw.transpose(0, 2, 3, 1).reshape(2, -1)
    np.testing.assert_array_equal(L.to_source(hwc_features, "N(H4W5C3)"), nchw.reshape(2, -1))
    np.testing.assert_array_equal(L.to_source(nchw.transpose(0, 2, 3, 1), "NHWC"), nchw)
    assert L.channel_axis("N(HWC)") == 1 and L.channel_axis("NHWC") == 3 and L.channel_axis("NC") == 1
    assert not L.is_spatial("N(CHW)") and L.is_spatial("NHWC")


# ---- verifier ------------------------------------------------------------------------------
def test_verify_accepts_a_consistent_graph():
    verify(chain("a", "b"))


def _wrong_shape(g):
    g.value("a").shape = (2, 3, 4, 5)


def _wrong_layout(g):
    g.value("a").layout = "NHWC"


def _unknown_op(g):
    g.node("a").op = "frobnicate"


def _read_before_produced(g):
    g.add_value(Value("later", SHAPE, layout="NCHW"))
    g.set_inputs(g.node("a"), ["later"])


def _two_producers(g):
    g.add_node(Node("again", "relu", ["x"], ["a"]))


def _output_never_produced(g):
    g.outputs.append("nowhere")


BROKEN = [
    (_wrong_shape, r"%a is \[2,3,4,5\] @NCHW, the op gives \[2,3,5,4\] @NCHW"),
    (_wrong_layout, "the op gives .* @NCHW"),
    (_unknown_op, "unknown op"),
    (_read_before_produced, "reads .*later.* before"),
    (_two_producers, "already have a producer"),
    (_output_never_produced, "never produced"),
]


@pytest.mark.parametrize("break_graph, message", BROKEN, ids=[f.__name__[1:] for f, _ in BROKEN])
def test_verify_rejects(break_graph, message):
    g = chain("a", "b")
    break_graph(g)
    with pytest.raises(GraphInvalid, match=message):
        verify(g)
