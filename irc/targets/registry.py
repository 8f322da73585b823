"""Output formats. Every target is written from the same lowered KerasModel and can be run
in its real runtime (for `irc run`, the compile report's probe and the tests).

A target module registers a Target; `write` returns the files it wrote (relative to OUT),
`run` takes a list of feeds ({input layer name: runtime-layout array without the batch
axis}) and returns, for each, {output layer name: array}.
"""

from dataclasses import dataclass
from typing import Callable

from irc.errors import IrcError


@dataclass
class Target:
    name: str
    runtime: str           # what runs the files, e.g. "keras-js@1.0.3 (Node, browser)"
    write: Callable        # (model, out_dir, quantization) -> [relative paths]
    run: Callable          # (out_dir, [feeds]) -> [{output layer: array}]
    quantizes: tuple = ()  # the --quantize modes the format can store
    runtimes: tuple = ()   # the builds --runtime picks from to run the files, the default first;
                           # run then takes the choice as a third argument

    def build(self, runtime=None):
        """The build --runtime `runtime` (None: the default) picks, or None: the target has no choice."""
        return (runtime or self.runtimes[0]) if self.runtimes else None

    def execute(self, out_dir, feeds_list, runtime=None):
        """run, in --runtime's build (None: the default) when the target has a choice."""
        if not self.runtimes:
            return self.run(out_dir, feeds_list)
        return self.run(out_dir, feeds_list, self.build(runtime))


TARGETS = {}


def register_target(target):
    TARGETS[target.name] = target
    return target


def get_target(name):
    if name not in TARGETS:
        raise IrcError(f"--target {name}: unknown target (known: {', '.join(sorted(TARGETS))})")
    return TARGETS[name]
