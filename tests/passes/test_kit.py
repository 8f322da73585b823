"""passes/kit.py: the walker and the rejection notes."""

from irc.ir.graph import Node
from passes.kit import Reject, rejection_lines, rewrite_each
from tests.ir.test_graph import chain, relu


def test_walks_matching_nodes_in_order_skipping_erased_and_new_ones():
    g = chain("a", "b", "c")
    seen = []

    def rewrite(graph, node):
        seen.append(node.name)
        if node.name == "a":
            graph.erase(graph.node("b"))                  # b is skipped
            relu(graph, "d", "x")                          # d is not walked
            return True
        return None
    assert rewrite_each(g, "test", ("relu",), rewrite) is True
    assert seen == ["a", "c"]


def test_walks_only_the_ops_asked_for_and_reports_no_change():
    g = chain("a")
    g.add_node(Node("s", "sigmoid", ["a"], ["s"]))
    seen = []
    assert rewrite_each(g, "test", ("sigmoid",), lambda graph, node: seen.append(node.name)) is False
    assert seen == ["s"]


def test_rejections_name_the_value_and_are_replaced_by_the_next_run():
    g = chain("a", "b")
    refuse = {"a": Reject("a reason"), "b": Reject("another", at="x")}
    assert rewrite_each(g, "test", None, lambda graph, node: refuse[node.name]) is False
    assert rejection_lines(g, "test") == ["test: left %a: a reason", "test: left %x: another"]
    rewrite_each(g, "test", None, lambda graph, node: False)
    assert rejection_lines(g, "test") == [] and rejection_lines(g, "never-ran") == []


def test_a_reject_is_false():
    assert not Reject("why")
