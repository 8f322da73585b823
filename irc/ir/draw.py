"""The IR as a picture: Graphviz DOT, and a self-contained SVG laid out in layers (one row
per dependency depth), readable at 100+ nodes without Graphviz installed."""

from html import escape

from irc.ir.dump import format_attrs, value_type

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 260, 58, 30, 34, 20


def _boxes(graph, annotations):
    """[(key, title, lines, over)] for graph inputs then nodes, and the edges between keys."""
    annotations = annotations or {}
    boxes, producer, edges = [], {}, []
    for name in graph.inputs:
        value = graph.value(name)
        boxes.append((f"in:{name}", f"input %{name}", [f"{value_type(value)} @{value.layout}"], False))
        producer[name] = f"in:{name}"
    for node in graph.nodes():
        out = graph.value(node.outputs[0])
        lines = [f"{value_type(out)} @{out.layout}", format_attrs(node.attrs, out.layout)[:40]]
        note = annotations.get(node.name, "")
        if note:
            lines.append(note.replace("<<< first over tolerance", "<<<"))
        boxes.append((node.name, f"{node.op} %{node.outputs[0]}", [line for line in lines if line], "<<<" in note))
        edges += [(producer[i], node.name, i) for i in node.inputs if i in producer]
        producer.update({o: node.name for o in node.outputs})
    return boxes, edges


def to_dot(graph, annotations=None):
    boxes, edges = _boxes(graph, annotations)
    lines = [f'digraph "{graph.name}" {{', "  rankdir=TB;", '  node [shape=box, fontname="monospace"];']
    for key, title, body, over in boxes:
        label = "\\n".join(_dot_escape(t) for t in [title] + body)
        color = ', color="red", fontcolor="red"' if over else ""
        lines.append(f'  "{_dot_escape(key)}" [label="{label}"{color}];')
    lines += [f'  "{_dot_escape(a)}" -> "{_dot_escape(b)}" [label="%{_dot_escape(v)}"];' for a, b, v in edges]
    return "\n".join(lines + ["}"]) + "\n"


def to_svg(graph, annotations=None):
    boxes, edges = _boxes(graph, annotations)
    position = _layout([b[0] for b in boxes], edges)
    width = (max(col for col, _ in position.values()) + 1) * (BOX_W + GAP_X) + 2 * MARGIN
    height = (max(row for _, row in position.values()) + 1) * (BOX_H + GAP_Y) + 2 * MARGIN
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="monospace" font-size="11">',
             f'<title>{escape(graph.name)}</title>']
    parts += [_svg_edge(position[a], position[b]) for a, b, _ in edges]
    parts += [_svg_box(position[key], title, body, over) for key, title, body, over in boxes]
    return "\n".join(parts + ["</svg>"]) + "\n"


def _layout(keys, edges):
    """Row = longest path from an input; column = order of arrival within the row."""
    row = {key: 0 for key in keys}
    for a, b, _ in edges:                  # edges arrive in topological order
        row[b] = max(row[b], row[a] + 1)
    columns, position = {}, {}
    for key in keys:
        col = columns.get(row[key], 0)
        columns[row[key]] = col + 1
        position[key] = (col, row[key])
    return position


def _xy(cell):
    col, row = cell
    return MARGIN + col * (BOX_W + GAP_X), MARGIN + row * (BOX_H + GAP_Y)


def _svg_box(cell, title, body, over):
    x, y = _xy(cell)
    stroke = "#c00" if over else "#555"
    weight = ['font-weight="bold"'] + [""] * len(body)
    texts = [f'<text x="{x + 8}" y="{y + 15 + 13 * i}" {weight[i]}>{escape(line)}</text>'
             for i, line in enumerate([title] + body)]
    return (f'<g><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="#fff" '
            f'stroke="{stroke}" stroke-width="{2 if over else 1}"/>' + "".join(texts) + "</g>")


def _svg_edge(src, dst):
    (x1, y1), (x2, y2) = _xy(src), _xy(dst)
    x1, y1, x2 = x1 + BOX_W / 2, y1 + BOX_H, x2 + BOX_W / 2
    mid = (y1 + y2) / 2
    return f'<path d="M{x1},{y1} C{x1},{mid} {x2},{mid} {x2},{y2}" fill="none" stroke="#999"/>'


def _dot_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')
