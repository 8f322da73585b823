"""The seeded inputs a source model is traced on and probed on.

They differ on purpose: anything the export baked from the traced input (a training-mode
batch norm's statistics, a value-dependent branch) then shows up as a failed probe
instead of a perfect one.
"""

import numpy as np

TRACE_SEED = 0
PROBE_SEED = 1


def seeded_input(shape, seed):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(np.float32)
