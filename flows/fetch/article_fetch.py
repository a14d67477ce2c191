"""Fetching a URL someone handed us (an article for `mic2025 claims extract`), so that the URL
cannot be turned against the machine that fetches it.

- http(s) only, at most ``MAX_REDIRECTS`` redirects, and **every connection** (the first one and
  each redirect hop) is made to an address checked just before connecting: the host name is
  resolved once, every address it resolves to must be public (``ipaddress.is_global``: no
  loopback, private, link-local / cloud metadata 169.254.169.254, CGNAT 100.64.0.0/10, reserved,
  multicast), and the socket connects to that same address (no second lookup, so no DNS-rebinding
  window). TLS still verifies the certificate against the host name.
- One total time limit for the whole fetch (headers, redirects and body: a server that sends a
  byte a second is cut off), a size cap, and HTML or plain text only (a PDF or binary body is
  refused by its Content-Type, and a body with NUL bytes is refused whatever its label says).
- No proxies from the environment, no cookies kept, nothing sent but a User-Agent.

``MIC2025_ALLOW_PRIVATE_URLS`` lets tests reach their local server: ``1`` allows every address,
or a comma-separated list of ``host:port`` allows exactly those (a redirect from there to any
other private address is still refused).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from mic2025.flows.fetch import http

MAX_REDIRECTS = 5
MAX_SECONDS = 30.0
TEXT_TYPES = ("text/html", "text/plain", "application/xhtml+xml")


class Refused(Exception):
    """The URL, an address it resolves to, or its answer is not allowed; the message says why."""


def _allowed_private(host: str, port: int) -> bool:
    setting = os.environ.get("MIC2025_ALLOW_PRIVATE_URLS", "")
    if setting == "1":
        return True
    return f"{host}:{port}" in {item.strip() for item in setting.split(",") if item.strip()}


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A globally routable unicast address (IPv4-mapped IPv6 is judged by its IPv4 address)."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not address.is_multicast


def checked_address(host: str, port: int) -> str:
    """Resolve ``host`` once and return the address to connect to; raise :class:`Refused` when
    any address it resolves to is not public (unless allowed for tests)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not _allowed_private(host, port):
        for address in addresses:
            if not is_public(address):
                raise Refused(
                    f"refusing to connect to {host}: it resolves to a non-public address "
                    f"({address}); set MIC2025_ALLOW_PRIVATE_URLS to allow it"
                )
    return str(addresses[0])


class _CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        self._dns_host = checked_address(self.host, self.port)  # connect where we checked
        return super()._new_conn()


class _CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        self._dns_host = checked_address(self.host, self.port)  # SNI and cert keep self.host
        return super()._new_conn()


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    """A requests adapter whose every new connection goes through :func:`checked_address`."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc from the environment
    session.max_redirects = MAX_REDIRECTS
    session.headers["User-Agent"] = http.USER_AGENT
    for scheme in ("http://", "https://"):
        session.mount(scheme, CheckedAdapter(max_retries=0))
    return session


def _fetch(url: str, max_bytes: int, result: dict, stop: threading.Event) -> None:
    session = _session()
    try:
        response = session.get(url, stream=True, timeout=http.timeout())
        if response.status_code != 200:
            raise Refused(f"HTTP {response.status_code} from {urlsplit(response.url).netloc}")
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind not in TEXT_TYPES:
            raise Refused(f"{kind or 'no content type'} is not an article (HTML or plain text)")
        body = bytearray()
        for chunk in response.iter_content(4096):
            if stop.is_set():
                return
            body.extend(chunk)
            if len(body) > max_bytes:
                raise Refused(f"response larger than {max_bytes} bytes")
        if b"\x00" in body:
            raise Refused("the body is binary (NUL bytes), not an article")
        response._content = bytes(body)
        declared = "charset=" in response.headers.get("Content-Type", "").lower()
        encoding = response.encoding if declared else (response.apparent_encoding or "utf-8")
        result["text"] = bytes(body).decode(encoding, "replace")
    except Refused as exc:
        result["error"] = str(exc)
    except requests.TooManyRedirects:
        result["error"] = f"more than {MAX_REDIRECTS} redirects"
    except requests.RequestException as exc:
        cause = exc
        while cause.__context__ is not None and not isinstance(cause, Refused):
            cause = cause.__context__
        result["error"] = str(cause) if isinstance(cause, Refused) else f"{type(exc).__name__}"
        if not isinstance(cause, Refused):
            result["error"] += f": {http.redact(str(exc))}"
    finally:
        session.close()


def fetch_text(url: str, max_bytes: int, max_seconds: float = MAX_SECONDS) -> str:
    """The text of an article at ``url`` (see the module docstring for what is refused)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"only http(s) URLs can be fetched, not {url!r}")
    result: dict = {}
    stop = threading.Event()
    worker = threading.Thread(target=_fetch, args=(url, max_bytes, result, stop), daemon=True)
    worker.start()
    worker.join(max_seconds)
    if worker.is_alive():  # slow headers or a trickling body: give up on it
        # the daemon thread stops at its next chunk (or its read timeout); closing the response
        # from here would wait for the lock its blocked read holds
        stop.set()
        raise Refused(f"{parts.netloc} took longer than {max_seconds:g} s")
    if "error" in result:
        raise Refused(result["error"])
    return result["text"]
