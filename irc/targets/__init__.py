"""Output formats, one folder each (writer, legalisation, runtime bridge, checks); each
registers its Target (irc/targets/registry.py) on import."""

from irc.targets import keras, kerasjs, kerasjs_legacy, tfjs  # noqa: F401
from irc.targets.registry import TARGETS, Target, get_target, register_target  # noqa: F401
