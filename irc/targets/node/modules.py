"""Where irc finds the npm packages its runtimes need (keras-js, TF.js) and irc's own
Keras.js build: one place.

IRC_NODE_MODULES names a node_modules directory (an installed irc has no repository
beside it); without it, the repository's own node_modules, which `make setup` fills.
The Node runners read the same variable: run_node passes the resolved path on.
"""

import os
from pathlib import Path

from irc.errors import IrcError

ENV = "IRC_NODE_MODULES"
REPO_ROOT = Path(__file__).resolve().parents[3]


def node_modules():
    configured = os.environ.get(ENV)
    return Path(configured).resolve() if configured else REPO_ROOT / "node_modules"


def package_dir(*parts):
    """node_modules/<parts...>, e.g. package_dir("@tensorflow", "tfjs")."""
    return node_modules().joinpath(*parts)


BUILD_ENV = "IRC_KERASJS_BUILD"


def kerasjs_build_file(name):
    """A file of irc's Keras.js build (irc/targets/kerasjs/irc_kerasjs/build.js writes them):
    in IRC_KERASJS_BUILD, else the repository's build/kerasjs-irc, which `make setup` fills."""
    configured = os.environ.get(BUILD_ENV)
    path = (Path(configured).resolve() if configured else REPO_ROOT / "build" / "kerasjs-irc") / name
    if not path.is_file():
        raise IrcError(f"{path}: missing, irc's Keras.js build is not there; run `make setup`")
    return path
