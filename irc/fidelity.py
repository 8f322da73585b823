"""How far a float32 compile may be from its reference, one bound for every place that judges
it (the compile's probe, the batch check, the probe's layer search).

Float32 rounding through a few dozen layers stays near 1e-6 of an output's magnitude (1e-7
to 1e-6 on the DCGAN and the test models): a 100x margin, and 1e-4 absolute for outputs
below 1. An input-dependent constant misses by the output's own scale."""


def fidelity_bound(reference_max):
    """The allowed max abs error of a tensor whose reference's largest magnitude is reference_max."""
    return 1e-4 * max(1.0, reference_max)
