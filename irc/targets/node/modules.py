"""Where irc finds the npm packages its runtimes need (keras-js, TF.js): one place.

IRC_NODE_MODULES names a node_modules directory (an installed irc has no repository
beside it); without it, the repository's own node_modules, which `make setup` fills.
The Node runners read the same variable: run_node passes the resolved path on.
"""

import os
from pathlib import Path

ENV = "IRC_NODE_MODULES"
REPO_ROOT = Path(__file__).resolve().parents[3]


def node_modules():
    configured = os.environ.get(ENV)
    return Path(configured).resolve() if configured else REPO_ROOT / "node_modules"


def package_dir(*parts):
    """node_modules/<parts...>, e.g. package_dir("@tensorflow", "tfjs")."""
    return node_modules().joinpath(*parts)
