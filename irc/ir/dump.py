"""The IR as text (one parseable line per node) and as JSON.

    graph gen(%z : f32[1,1,1,100] @NHWC) -> (%y) {
      const %dc1.W : f32[4,4,32,64] @HWOI  min=-0.52 max=0.49 sha=3fa2c1d0
      4  %dc1 : f32[1,8,8,32] @NHWC = conv2d_transpose(%h0, %dc1.W, %dc1.b) {strides=[2,2] padding=same}  # onnx=Deconv_0 pass=deconv-padding
    }

Annotations (numeric differences from `irc check`) follow the node's `#` comment after `|`.
Weights are summarised (shape, range, hash), never printed.
"""

import hashlib
import json
import re

import numpy as np

# Attribute values equal to these are left out of the text: they say nothing.
QUIET_DEFAULTS = {"dilations": [1, 1], "group": 1, "output_padding": [0, 0]}

# The index and the comment are optional: irc/ir/parse.py reads examples written without them.
NODE_LINE = re.compile(
    r"^\s*(?:(?P<index>\d+)\s+)?(?P<outputs>%\S+(?:, %\S+)*) : (?P<type>\S+) @(?P<layout>\S*) = "
    r"(?P<op>[a-z0-9_]+)\((?P<inputs>[^)]*)\)(?: \{(?P<attrs>.*?)\})?(?:\s+# (?P<comment>.*))?$")


def value_type(value):
    return f"{value.dtype}[{','.join(str(d) for d in value.shape)}]"


def weight_summary(value):
    data = np.ascontiguousarray(value.data)
    digest = hashlib.sha256(data.tobytes()).hexdigest()[:8]
    if data.size == 0:
        return f"empty sha={digest}"
    return f"min={_num(data.min())} max={_num(data.max())} sha={digest}"


def format_attrs(attrs, out_layout=None):
    """Attributes worth reading: not defaults, not the output layout the type already shows."""
    restated = {"layout": out_layout, "features": out_layout[1:] if out_layout else None}
    shown = {k: v for k, v in attrs.items()
             if QUIET_DEFAULTS.get(k, object()) != v and restated.get(k, object()) != v}
    return " ".join(f"{k}={_attr(v)}" for k, v in shown.items())


def node_line(graph, index, node, annotation=""):
    out = graph.value(node.outputs[0])
    outputs = ", ".join(f"%{o}" for o in node.outputs)
    inputs = ", ".join(f"%{i}" for i in node.inputs)
    attrs = format_attrs(node.attrs, out.layout)
    comment = f"onnx={node.origin.split(':')[-1] or '-'} pass={node.last_pass}"
    text = f"{index:>3}  {outputs} : {value_type(out)} @{out.layout} = {node.op}({inputs})"
    text += f" {{{attrs}}}" if attrs else ""
    return f"{text}  # {comment}" + (f" | {annotation}" if annotation else "")


def format_text(graph, annotations=None, weights=True):
    """annotations: {node name: text} appended to that node's line."""
    annotations = annotations or {}
    inputs = ", ".join(f"%{n} : {value_type(graph.value(n))} @{graph.value(n).layout}" for n in graph.inputs)
    outputs = ", ".join(f"%{n}" for n in graph.outputs)
    lines = [f"graph {graph.name}({inputs}) -> ({outputs}) {{"]
    if weights:
        lines += [f"  const %{v.name} : {value_type(v)} @{v.layout}  {weight_summary(v)}"
                  for v in sorted(graph.values.values(), key=lambda v: v.name) if v.is_const]
    lines += [node_line(graph, i, node, annotations.get(node.name, "")) for i, node in enumerate(graph.nodes())]
    return "\n".join(lines + ["}"]) + "\n"


def to_json(graph, annotations=None):
    annotations = annotations or {}
    values = {}
    for v in graph.values.values():
        entry = {"dtype": v.dtype, "shape": list(v.shape), "layout": v.layout}
        if v.is_const:
            entry["weight"] = weight_summary(v)
        values[v.name] = entry
    nodes = [{"index": i, "name": n.name, "op": n.op, "inputs": n.inputs, "outputs": n.outputs,
              "attrs": n.attrs, "origin": n.origin, "label": n.label, "pass": n.last_pass,
              **({"annotation": annotations[n.name]} if n.name in annotations else {})}
             for i, n in enumerate(graph.nodes())]
    return {"graph": graph.name, "inputs": graph.inputs, "outputs": graph.outputs,
            "values": values, "nodes": nodes}


def format_json(graph, annotations=None):
    return json.dumps(to_json(graph, annotations), indent=1, default=_json_default) + "\n"


def parse_node_line(line):
    """A dump's node line -> dict (index, outputs, type, layout, op, inputs, attrs, comment)."""
    match = NODE_LINE.match(line)
    if match is None:
        raise ValueError(f"not a node line: {line!r}")
    fields = match.groupdict()
    fields["outputs"] = [o.lstrip("%") for o in fields["outputs"].split(", ")]
    fields["inputs"] = [i.lstrip("%") for i in fields["inputs"].split(", ") if i]
    return fields


def _attr(value):
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_attr(v) for v in value) + "]"
    if isinstance(value, float):
        return _num(value)
    return str(value)


def _num(x):
    return f"{float(x):.4g}"


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")
