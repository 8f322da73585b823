"""Hostile inputs to irc run, dump and check."""

import json

import numpy as np

from tests.hostile.corpus import case, write
from tests.hostile.fixtures import write_npz


@case(r"manifest\.json: not valid JSON")
def run_with_a_damaged_manifest(tmp, fx):
    (tmp / "built").mkdir()
    write(tmp / "built" / "manifest.json", "{")
    np.save(tmp / "z.npy", np.zeros((1, 3), np.float32))
    return ["run", str(tmp / "built"), "--input", str(tmp / "z.npy"), "--output", str(tmp / "out")]


@case(r"z\.npy: not a readable \.npy array \(.*allow_pickle=False.*\)")
def run_with_a_pickled_input(tmp, fx):
    (tmp / "built").mkdir()
    write(tmp / "built" / "manifest.json", json.dumps({"inputs": [{}], "outputs": [{}], "targets": {}}))
    np.save(tmp / "z.npy", np.array([{"a": 1}], dtype=object))
    return ["run", str(tmp / "built"), "--input", str(tmp / "z.npy"), "--output", str(tmp / "out")]


@case(r"z\.npy: not a readable \.npy array \(.*allow_pickle=False.*\)")
def check_with_a_pickled_input(tmp, fx):
    np.save(tmp / "z.npy", np.array([{"a": 1}], dtype=object))
    return ["check", str(fx.gen_npz), "--input", str(tmp / "z.npy"), "--stages", "ir"]


@case(r"--stages: unknown bogus \(known: ir, keras, kerasjs\)")
def check_unknown_stage(tmp, fx):
    return ["check", str(fx.gen_npz), "--stages", "ir,bogus"]


@case(r"gen\.npz: dc1/W holds 1 NaN value; irc refuses non-finite weights")
def dump_nan_weight(tmp, fx):
    params = fx.npz_params()
    params["dc1/W"][0, 0, 0, 0] = np.nan
    return ["dump", str(write_npz(tmp / "gen.npz", params)), "-o", str(tmp / "g.txt")]


@case(r"--format bogus: expected one of text, json, dot, svg")
def dump_unknown_format(tmp, fx):
    return ["dump", str(fx.gen_npz), "--format", "bogus", "-o", str(tmp / "g.txt")]
