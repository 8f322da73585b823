"""OUT/index.html: a demo page that runs the compiled model in the browser.

The page is static (irc/bundle/page/*.html, *.js, *.css, copied as they are) and reads
manifest.json when it loads, then the Keras.js bundle the manifest names (irc's build,
keras-irc.min.js, or with --runtime stock keras-js's keras.min.js), copied beside it:
nothing is fetched from the internet, and the same files serve every model, so a compile
writes byte-identical pages. Serve OUT with `irc serve OUT`.
"""

import shutil
from pathlib import Path

from irc.errors import IrcError
from irc.targets.kerasjs.runtime import browser_bundle

PAGE_DIR = Path(__file__).resolve().parent
PAGE_FILES = ("index.html", "irc-page.css", "irc-page.js", "irc-generator.js", "irc-generic.js")
PAGE_TARGET = "kerasjs"            # the target whose files the page runs


def write_page(out_dir, target_names, runtime=None):
    """Copy the page and Keras.js `runtime`'s browser bundle into out_dir; -> the manifest's
    page entry {files (relative), bundle}. None without a kerasjs target: the page has no other runtime."""
    if PAGE_TARGET not in target_names:
        return None
    bundle = browser_bundle(runtime)
    if not bundle.is_file():
        raise IrcError(f"{bundle}: missing, the demo page needs it; run `make setup` (npm ci)")
    for name in PAGE_FILES:
        shutil.copyfile(PAGE_DIR / name, out_dir / name)
    shutil.copyfile(bundle, out_dir / bundle.name)
    return {"files": [*PAGE_FILES, bundle.name], "bundle": bundle.name}
