"""A small read-only HTTP server for the answer site (standard library only)."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files of one folder: GET and HEAD only, no directory listings."""

    def list_directory(self, path):  # noqa: ANN001 - the base class signature
        self.send_error(404, "No listing")
        return None

    def log_message(self, format, *args):  # noqa: A002 - the base class signature
        pass


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    handler = functools.partial(SiteHandler, directory=str(root))
    return ThreadingHTTPServer((host, port), handler)


def serve_site(root: Path, host: str = "127.0.0.1", port: int = 8765) -> None:
    server = make_server(root, host, port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
