"""`irc dump` text back into a Graph: the header, const lines and node lines of
irc/ir/dump.py's format_text. Used to write a pass's example as the dump it shows.

Weights are summarised in a dump, so a constant gets made-up data of its declared shape:
all one number when the line says min=max (e.g. an affine map's zero offset), else random,
within [min, max] when given, from a seed made of its name (the same graph every time).
Node names are not in a dump: a node is named after its first result, as add_op names it.
A node line's `# onnx=NAME pass=PASS` comment, when present, sets its origin and last pass.
"""

import re
import zlib

import numpy as np

from irc.ir.dump import NODE_LINE, QUIET_DEFAULTS, parse_node_line
from irc.ir.graph import Graph, Node, Value
from irc.ir.ops import OPS

SHAPE = r"(?P<dtype>[a-z0-9]+)\[(?P<shape>[0-9,]*)\]"
TYPE = re.compile(SHAPE + "$")
HEADER = re.compile(r"^graph (?P<name>\S+)\((?P<inputs>.*)\) -> \((?P<outputs>.*)\) \{$")
INPUT = re.compile(rf"^%(?P<name>\S+) : {SHAPE} @(?P<layout>\S*)$")
CONST = re.compile(rf"^const %(?P<name>\S+) : {SHAPE} @(?P<layout>\S*)(?:\s+(?P<summary>.*))?$")
DTYPES = {"f32": np.float32, "f64": np.float64, "i64": np.int64, "i32": np.int32, "bool": np.bool_}
# Attributes format_attrs leaves out, per op that reads them: the quiet defaults, and the
# attribute restating the result's layout (name -> the layout it is made of).
QUIET = {"conv2d": ("dilations", "group"), "conv2d_transpose": ("dilations", "group", "output_padding")}
RESTATED = {"reshape": ("layout", lambda layout: layout), "transpose": ("layout", lambda layout: layout),
            "dense": ("features", lambda layout: layout[1:])}


class ParseError(ValueError):
    pass


def parse_text(text):
    """format_text's output (comments, indexes and weight summaries optional) -> Graph."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    header = HEADER.match(lines[0]) if lines else None
    if header is None or lines[-1] != "}":
        raise ParseError("expected `graph NAME(%input : TYPE @LAYOUT, ...) -> (%output, ...) { ... }`")
    graph = Graph(header["name"])
    graph.inputs = [_add_input(graph, item) for item in _split(header["inputs"])]
    graph.outputs = [_name(item) for item in _split(header["outputs"])]
    for line in lines[1:-1]:
        const = CONST.match(line)
        if const:
            graph.add_value(Value(const["name"], _shape(const), const["dtype"], const["layout"], _data(const)))
        elif NODE_LINE.match(line):
            _add_node(graph, parse_node_line(line))
        else:
            raise ParseError(f"neither a const nor a node line: {line!r}")
    return graph


def parse_attrs(text):
    """`strides=[2,2] padding=same epsilon=1e-05` -> {"strides": [2, 2], "padding": "same", ...}."""
    attrs = {}
    for item in (text or "").split():
        key, sep, value = item.partition("=")
        if not sep:
            raise ParseError(f"attribute {item!r} is not key=value")
        attrs[key] = _attr_value(value)
    return attrs


def _add_input(graph, text):
    match = INPUT.match(text)
    if match is None:
        raise ParseError(f"graph input {text!r} is not `%name : TYPE @LAYOUT`")
    return graph.add_value(Value(match["name"], _shape(match), match["dtype"], match["layout"])).name


def _add_node(graph, fields):
    """fields: parse_node_line's dict (only the first result's type is in a dump line)."""
    if fields["op"] not in OPS:
        raise ParseError(f"unknown op {fields['op']} (known: {', '.join(sorted(OPS))})")
    value_type = TYPE.match(fields["type"])
    if value_type is None:
        raise ParseError(f"type {fields['type']!r} is not like f32[1,8,8,32]")
    for name in fields["outputs"]:
        graph.add_value(Value(name, _shape(value_type), value_type["dtype"], fields["layout"]))
    comment = dict(item.partition("=")[::2] for item in (fields["comment"] or "").split())
    graph.add_node(Node(fields["outputs"][0], fields["op"], fields["inputs"], fields["outputs"],
                        _restore_hidden(fields["op"], parse_attrs(fields["attrs"]), fields["layout"]),
                        "" if comment.get("onnx", "-") == "-" else comment["onnx"], comment.get("pass", "parse")))


def _restore_hidden(op, attrs, layout):
    for key in QUIET.get(op, ()):
        attrs.setdefault(key, QUIET_DEFAULTS[key])
    if op in RESTATED:
        key, made_of = RESTATED[op]
        attrs.setdefault(key, made_of(layout))
    return attrs


def _data(match):
    """Made-up data of the declared shape, from the summary `min=A max=B sha=...` if any."""
    summary = parse_attrs(" ".join(s for s in (match["summary"] or "").split() if not s.startswith("sha=")))
    shape, dtype = _shape(match), DTYPES[match["dtype"]]
    low, high = summary.get("min", -1.0), summary.get("max", 1.0)
    if low == high:
        return np.full(shape, low, dtype)
    rng = np.random.default_rng(zlib.crc32(match["name"].encode()))
    return rng.uniform(low, high, shape).astype(dtype)


def _attr_value(text):
    if text.startswith("[") and text.endswith("]"):
        return [_attr_value(item) for item in text[1:-1].split(",") if item]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _shape(match):
    return tuple(int(d) for d in match["shape"].split(",") if d)


def _split(text):
    return [item.strip() for item in text.split(", ") if item.strip()]


def _name(text):
    if not text.startswith("%"):
        raise ParseError(f"expected a %value, got {text!r}")
    return text[1:]
