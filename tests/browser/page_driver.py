"""Serve a compile output on a free 127.0.0.1 port and drive its page in Chromium
(drive_page.js). Screenshots go to build/test-output/browser/."""

import contextlib
import json
import subprocess
import threading
from pathlib import Path

from irc.bundle.serve import make_server

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "build" / "test-output" / "browser"


def served(out_dir):
    """-> the page's URL while out_dir is served from a thread."""
    return serving(make_server(out_dir, port=0))


@contextlib.contextmanager
def serving(server):
    """-> the server's base URL (ending in /) while it serves from a thread."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def drive(url, visits, work_dir):
    """Run drive_page.js on the visits; -> its result per visit."""
    request = Path(work_dir) / "drive_request.json"
    request.write_text(json.dumps({"url": url, "visits": visits}))
    proc = subprocess.run(["node", str(HERE / "drive_page.js"), str(request)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def screenshot_path(name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name
