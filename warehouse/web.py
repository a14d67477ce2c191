"""A small read-only HTTP server for the answer site (standard library only).

Made for being shared: every connection has an idle timeout (a client that sends nothing, or
trickles, is dropped after ``idle_timeout`` seconds), at most ``max_workers`` connections are
served at once (the rest wait in the listen backlog, ``backlog`` deep, instead of each holding
a thread), and HTTP/1.1 keep-alive lets a browser fetch a page's files over one connection.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

IDLE_TIMEOUT_S = 5.0
MAX_WORKERS = 1024
BACKLOG = 2048


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files of one folder: GET and HEAD only, no directory listings."""

    protocol_version = "HTTP/1.1"

    def list_directory(self, path):  # noqa: ANN001 - the base class signature
        self.send_error(404, "No listing")
        return None

    def log_message(self, format, *args):  # noqa: A002 - the base class signature
        pass


class SiteServer(ThreadingHTTPServer):
    """A threading server with a bounded number of workers and a real listen backlog."""

    daemon_threads = True
    request_queue_size = BACKLOG

    def __init__(self, address, handler, max_workers: int = MAX_WORKERS) -> None:
        self._slots = threading.BoundedSemaphore(max_workers)
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        # Wait for a free worker before starting one: the accept loop pauses and new
        # connections queue in the kernel's backlog rather than each taking a thread.
        self._slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def make_server(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    idle_timeout: float = IDLE_TIMEOUT_S,
    max_workers: int = MAX_WORKERS,
) -> SiteServer:
    handler = type("TimedSiteHandler", (SiteHandler,), {"timeout": idle_timeout})
    return SiteServer((host, port), functools.partial(handler, directory=str(root)), max_workers)


def serve_site(root: Path, host: str = "127.0.0.1", port: int = 8765) -> None:
    run_server(make_server(root, host, port))


def run_server(server: SiteServer) -> None:
    """Serve until Ctrl+C, then close the listening socket."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
