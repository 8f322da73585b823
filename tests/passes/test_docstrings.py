"""Every built-in pass's docstring example is real: its Given (irc dump text) parsed, the
pass run, and the dump of the result equal to its Result, up to what a dump leaves open
(see normalised)."""

import re
import textwrap

import pytest

import passes.deconv_taps  # noqa: F401  (registers the opt-in pass)
from irc.ir.dump import format_text
from irc.ir.parse import parse_text
from irc.ir.verify import verify
from passes.pipeline import DEFAULT_PIPELINE, OPT_IN
from passes.registry import PASSES

BUILT_IN = DEFAULT_PIPELINE + list(OPT_IN)
# "Given:" or "Result:", then a graph up to the first line that closes it.
EXAMPLE = r"^\s*{}:\s*\n(?P<graph>\s*graph .*?^\s*\}}\s*$)"


def example(doc, part):
    match = re.search(EXAMPLE.format(part), doc, re.DOTALL | re.MULTILINE)
    assert match, f"no `{part}:` graph in the docstring"
    return textwrap.dedent(match["graph"])


def normalised(text):
    """Lines stripped, without node lines' `# onnx=... pass=...` comments and without weight
    summaries, except `min=V max=V` (a constant all V, which an example can state)."""
    lines = []
    for line in text.strip().splitlines():
        line = re.sub(r"\s+# .*$", "", line.strip())
        summary = re.search(r"\s+min=(\S+) max=(\S+)(?: sha=\S+)?$", line)
        if summary:
            line = line[:summary.start()] + (f"  min={summary[1]} max={summary[1]}" if summary[1] == summary[2] else "")
        lines.append(re.sub(r"\s+(sha=\S+|empty)$", "", line))
    return "\n".join(lines)


@pytest.mark.parametrize("name", BUILT_IN)
def test_the_docstring_example_is_what_the_pass_does(name):
    doc = PASSES[name].__doc__
    graph = parse_text(example(doc, "Given"))
    if name != "infer-shapes":             # its example starts from wrong shapes
        verify(graph)
    PASSES[name](graph)
    verify(graph)
    assert normalised(format_text(graph)) == normalised(example(doc, "Result"))
