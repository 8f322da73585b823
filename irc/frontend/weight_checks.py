"""Checks every front end applies to the weights it hands over: floating-point, finite."""

import sys

import numpy as np

from irc.errors import IrcError


def nonfinite(array):
    """'2 NaN values', '1 infinite value', '2 NaN and 1 infinite values', or None if all are finite."""
    array = np.asarray(array)
    if array.dtype.kind not in "fc" or np.isfinite(array).all():
        return None
    counts = {"NaN": int(np.isnan(array).sum()), "infinite": int(np.isinf(array).sum())}
    found = [f"{n} {kind}" for kind, n in counts.items() if n]
    total = sum(counts.values())
    return f"{' and '.join(found)} value{'s' if total > 1 else ''}"


def refuse_nonfinite(where, name, array):
    """where: '<file>: ' or '<file>: node N (Op): ' before the parameter's name."""
    problem = nonfinite(array)
    if problem:
        raise IrcError(f"{where}{name} holds {problem}; irc refuses non-finite weights: fix or retrain the model")


def refuse_non_float(source, stored, model_dtypes, is_float):
    """stored, model_dtypes: {name: dtype} from the file and from the model. A parameter the
    model holds as floating point must be stored as floating point: an integer or complex
    array is not a set of weights the model was trained to."""
    bad = [f"{name} has dtype {stored[name]}" for name in sorted(stored)
           if name in model_dtypes and is_float(model_dtypes[name]) and not is_float(stored[name])]
    if bad:
        raise IrcError(f"{source}: {', '.join(bad)}; irc loads floating-point weights (save float32 arrays)")


def note_casts(source, stored, model_dtypes, is_float):
    """Floating-point arrays of another precision are cast to the model's, as the framework's own
    loader does; say so on stderr (the result is the model at the model's precision)."""
    by_dtype = {}
    for name in sorted(stored):
        if name in model_dtypes and is_float(stored[name]) and stored[name] != model_dtypes[name]:
            by_dtype.setdefault((str(stored[name]), str(model_dtypes[name])), []).append(name)
    for (was, now), names in by_dtype.items():
        print(f"irc: note: {source}: {len(names)} array{'s' if len(names) > 1 else ''} stored as {was} "
              f"({', '.join(names)}) {'were' if len(names) > 1 else 'was'} cast to {now}", file=sys.stderr)
