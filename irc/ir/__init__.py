from irc.ir.graph import Graph, Node, Value  # noqa: F401
