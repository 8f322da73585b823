"""IR -> the target-neutral Keras layer graph: one rule per op (rules/), every layer with its shape; no runtime's quirks (each target legalises what it needs)."""
