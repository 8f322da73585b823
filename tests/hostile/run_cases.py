"""Hostile inputs: irc run."""

import json

import numpy as np

from tests.hostile.corpus import case, write


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
