"""Counts of the ONNX backend cases (matched / refused cleanly / failed, per group), printed
at the end of the pytest run and written, with every case's outcome, to SUMMARY_PATH
(build/onnx-backend-cases.txt, or $IRC_BACKEND_SUMMARY). tests/conftest.py calls
terminal_summary, and under pytest-xdist gathers the workers' outcomes (to_wire, merge)."""

import collections
import os
import re
from pathlib import Path

import pytest

from tests.onnx_backend import backend_cases
from tests.onnx_backend.backend_cases import DATA_DIR, FAILED, GROUPS, MATCHED, NOT_RUN, REFUSED

OUTCOMES = pytest.StashKey()     # {(mode, case id): (Case, Outcome)}
SUMMARY_PATH = Path(os.environ.get("IRC_BACKEND_SUMMARY",
                                   Path(__file__).resolve().parents[2] / "build" / "onnx-backend-cases.txt"))
MODES = {"whole": "each case as shipped; a batch of N > 1 compiled at batch 1 and run sample by sample"}


def to_wire(config):
    """This session's outcomes as plain data (what an xdist worker can send)."""
    return [(mode, case_id, case.group, case.name, str(case.model_path), o.status, o.detail, o.stage)
            for (mode, case_id), (case, o) in config.stash.get(OUTCOMES, {}).items()]


def merge(config, wire):
    outcomes = config.stash.setdefault(OUTCOMES, {})
    for mode, case_id, group, name, path, status, detail, stage in wire or []:
        outcomes[mode, case_id] = (backend_cases.Case(group, name, Path(path)),
                                   backend_cases.Outcome(status, detail, stage))


def summary_lines(outcomes):
    lines = []
    for mode, title in MODES.items():
        counts = collections.defaultdict(collections.Counter)
        for (m, _), (case, outcome) in outcomes.items():
            if m == mode:
                counts[case.group][outcome.status] += 1
        if not counts:
            continue
        lines.append(f"{mode} ({title}):")
        total = collections.Counter()
        for group in [*[g for g in GROUPS if g in counts], *sorted(set(counts) - set(GROUPS)), "total"]:
            c = total if group == "total" else counts[group]
            if group != "total":
                total.update(c)
            extra = f"  {c[NOT_RUN]:3d} {NOT_RUN}" if c[NOT_RUN] else ""
            lines.append(f"  {group:18s} {c[MATCHED]:3d} matched  {c[REFUSED]:3d} refused cleanly  "
                         f"{c[FAILED]:3d} failed{extra}  ({sum(c.values())} cases)")
    return lines


def _reason(detail):
    """A refusal without the file, node and sizes, so that equal causes count together."""
    if "not supported by irc" in detail:
        return "ONNX op " + detail.split("ONNX op ", 1)[1].split(" (supported:")[0]
    text = re.sub(r"^/\S+: ", "", detail)
    text = re.sub(r"^(node|tensor|input) \S+( \([^)]*\))?:? ", r"\1 X ", text)
    text = re.sub(r"\[[-\d, ]*\]", "[..]", text)
    text = re.sub(r"by [\d.e+-]+ \(tolerance [\d.e+-]+\)", "by E", text)
    return re.sub(r"(has rank|of rank|group=|batch size at|batch-|sample)\s?\d+", r"\1 N", text)


def _short(detail):
    """The outcome's text without the long paths and lists of supported ops."""
    text = detail.split(" (supported:")[0]
    return re.sub(r"/\S*/(test_[\w]+/model|light_\w+)\.onnx", r"\1.onnx", text).replace(str(DATA_DIR) + "/", "")


def _report(outcomes, lines):
    report = ["ONNX backend test cases through irc and Keras.js", "", *lines, ""]
    for mode in MODES:
        entries = sorted(((case, o) for (m, _), (case, o) in outcomes.items() if m == mode), key=lambda e: e[0].id)
        if not entries:
            continue
        reasons = collections.Counter(_reason(o.detail) for _, o in entries if o.status == REFUSED)
        report += [f"== {mode}: refusals by reason", *[f"  {n:4d}  {r}" for r, n in reasons.most_common()], ""]
        for status in (FAILED, MATCHED, NOT_RUN, REFUSED):
            chosen = [(case, o) for case, o in entries if o.status == status]
            if chosen:
                report.append(f"== {mode}: {status}")
                report += [f"  {case.id}: {f'[{o.stage}] ' if status == FAILED else ''}{_short(o.detail)}"
                           for case, o in chosen]
                report.append("")
    return "\n".join(report)


def terminal_summary(terminalreporter, config):
    outcomes = config.stash.get(OUTCOMES, None)
    if not outcomes:
        return
    lines = summary_lines(outcomes)
    terminalreporter.section("ONNX backend cases (irc -> Keras.js)")
    for line in lines:
        terminalreporter.write_line(line)
    try:
        SUMMARY_PATH.parent.mkdir(parents=True, exist_ok=True)
        partial = SUMMARY_PATH.with_name(f".{SUMMARY_PATH.name}.{os.getpid()}")
        partial.write_text(_report(outcomes, lines) + "\n")
        partial.replace(SUMMARY_PATH)           # concurrent runs: one complete file wins
        terminalreporter.write_line(f"every case's outcome: {SUMMARY_PATH}")
    except OSError as exc:
        terminalreporter.write_line(f"could not write {SUMMARY_PATH}: {exc.strerror}")
