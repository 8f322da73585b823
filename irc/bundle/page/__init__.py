"""OUT/index.html: a demo page that runs the compiled model in the browser.

The page is static (irc/bundle/page/*.html, *.js, *.css, copied as they are) and reads
manifest.json when it loads, so the same files serve every model and a compile writes
byte-identical pages. It runs the kerasjs target with Keras.js 1.0's browser bundle,
copied beside it: nothing is fetched from the internet. Serve OUT with `irc serve OUT`.
"""

import shutil
from pathlib import Path

from irc.errors import IrcError
from irc.targets.node.modules import package_dir

PAGE_DIR = Path(__file__).resolve().parent
PAGE_FILES = ("index.html", "irc-page.css", "irc-page.js", "irc-generator.js", "irc-generic.js")
PAGE_TARGET = "kerasjs"            # the target whose files the page runs
KERASJS_BUNDLE = package_dir("keras-js", "dist", "keras.min.js")


def write_page(out_dir, target_names):
    """Copy the page and the runtime bundle into out_dir; -> the files written (relative).
    Nothing without a kerasjs target: the page has no other runtime."""
    if PAGE_TARGET not in target_names:
        return []
    if not KERASJS_BUNDLE.is_file():
        raise IrcError(f"{KERASJS_BUNDLE}: missing, the demo page needs it; run `make setup` (npm ci)")
    files = list(PAGE_FILES) + [KERASJS_BUNDLE.name]
    for name in PAGE_FILES:
        shutil.copyfile(PAGE_DIR / name, out_dir / name)
    shutil.copyfile(KERASJS_BUNDLE, out_dir / KERASJS_BUNDLE.name)
    return files
