"""The output bundle in OUT: manifest, report, fidelity probe, demo page; and what reads it (irc run, irc serve)."""
