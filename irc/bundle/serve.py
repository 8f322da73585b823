"""irc serve OUT: a compile output over HTTP on 127.0.0.1, for the demo page (index.html
fetches manifest.json and the model files, which browsers refuse to do from file://)."""

import functools
import http.server
from pathlib import Path

from irc.errors import IrcError

HOST = "127.0.0.1"
DEFAULT_PORT = 8000

# Fixed types for what OUT holds: the system's mime.types differs between machines, and a
# browser refuses a script or wasm module served with the wrong one.
MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".bin": "application/octet-stream",
    ".md": "text/markdown; charset=utf-8",
    ".keras": "application/octet-stream",
    ".h5": "application/octet-stream",
}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def end_headers(self):
        # A recompiled OUT must not be mixed with cached files of the previous model.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class _QuietHandler(_Handler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_port = False          # a port another server listens on is "taken"


def make_server(out_dir, port=DEFAULT_PORT):
    """An HTTP server for a compile output on 127.0.0.1:port (0: any free port), not yet serving."""
    out_dir = Path(out_dir)
    if not (out_dir / "index.html").is_file():
        raise IrcError(f"{out_dir}: no index.html; write one with `irc compile MODEL -o {out_dir}` "
                       f"(the kerasjs target)")
    return static_server(out_dir, port)


def static_server(directory, port=DEFAULT_PORT, quiet=False):
    """An HTTP server for any directory on 127.0.0.1:port, with irc serve's MIME types and no
    caching, not yet serving; quiet: no request log on stderr."""
    handler = functools.partial(_QuietHandler if quiet else _Handler, directory=str(directory))
    try:
        return _Server((HOST, port), handler)
    except OverflowError:
        raise IrcError(f"--port {port}: not a port number (0-65535)") from None
    except OSError as exc:
        raise IrcError(f"{HOST}:{port}: cannot listen ({exc.strerror}); choose another --port") from None


def serve(out_dir, port=DEFAULT_PORT, log=print):
    """Serve until interrupted (Ctrl-C)."""
    with make_server(out_dir, port) as server:
        log(f"irc: serving {out_dir} at http://{HOST}:{server.server_port}/ (Ctrl-C stops)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            log("irc: stopped", flush=True)
