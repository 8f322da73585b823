"""irc serve: 127.0.0.1 only, the MIME types browsers insist on, one-line errors."""

import socket
import urllib.request

from irc.cli import main
from tests.browser.page_driver import served

FILES = {"index.html": "text/html; charset=utf-8", "irc-page.js": "text/javascript; charset=utf-8",
         "x.wasm": "application/wasm", "model.bin": "application/octet-stream",
         "manifest.json": "application/json", "irc-page.css": "text/css; charset=utf-8"}


def test_serves_out_with_browser_mime_types(tmp_path):
    for name in FILES:
        (tmp_path / name).write_bytes(b"x")
    with served(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")
        for name, mime in FILES.items():
            with urllib.request.urlopen(url + name) as response:
                assert (response.headers["Content-Type"], response.read()) == (mime, b"x"), name


def test_out_without_index_html(tmp_path, capsys):
    assert main(["serve", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"irc: error: {tmp_path}: no index.html; write one with `irc compile MODEL -o {tmp_path}` "
                   f"(the kerasjs target)\n")


def test_port_taken(tmp_path, capsys):
    (tmp_path / "index.html").write_text("")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", str(tmp_path), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err == f"irc: error: 127.0.0.1:{port}: cannot listen (Address already in use); choose another --port\n"
