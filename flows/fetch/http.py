"""HTTP for live sources: one ``requests.Session``, timeouts, bounded retries, redacted secrets.

Retry policy (per request): 429, 5xx, connection errors and timeouts are retried up to
``MIC2025_HTTP_RETRIES`` times (default 3) with exponential backoff (``MIC2025_HTTP_BACKOFF``
seconds, default 2, doubled each time, capped at 60 s); a ``Retry-After`` header (seconds or an
HTTP date) replaces the backoff. Any other 4xx fails at once, and so do a host name that does not
resolve and a refused connection: a DNS or proxy outage does not heal in seconds, and retrying it
held a nightly run for minutes (issue 17). Their message is short: error class and host. What is still failing after the
retries raises :class:`~flows.errors.FetchError` with ``retryable=True`` so that the Prefect task
may retry the whole source later; the refresh then falls back to the last good snapshot.
"""

from __future__ import annotations

import email.utils
import os
import re
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NameResolutionError

from mic2025.flows.base.errors import FetchError

USER_AGENT = "mic2025-tracker/0.1 (+https://github.com/; open-source MIC2025 tracker)"
RETRYABLE_STATUS = {429, 500, 502, 503, 504}
_SECRET_PARAMS = re.compile(r"(?i)(subscription-key|api[_-]?key|token|key)=([^&\s]+)")


def timeout() -> tuple[float, float]:
    """(connect, read) timeout in seconds."""
    return (
        float(os.environ.get("MIC2025_HTTP_CONNECT_TIMEOUT", "10")),
        float(os.environ.get("MIC2025_HTTP_READ_TIMEOUT", "60")),
    )


def max_retries() -> int:
    return int(os.environ.get("MIC2025_HTTP_RETRIES", "3"))


def backoff() -> float:
    return float(os.environ.get("MIC2025_HTTP_BACKOFF", "2"))


def pause(seconds: float) -> None:
    """Wait between attempts (one place, so tests can record the waits instead of sleeping)."""
    time.sleep(seconds)


def new_session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def redact(text: str, secrets: list[str] | None = None) -> str:
    """Remove API keys from URLs and messages (query parameters and known secret values)."""
    text = _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}=***", text)
    for secret in secrets or []:
        if secret:
            text = text.replace(secret, "***")
    return text


def unhealable(exc: requests.ConnectionError) -> str | None:
    """'NameResolutionError' or 'ConnectionRefusedError' when that is what failed (retrying in
    seconds will not help), else None (a reset or a broken read may heal: retried)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        err = todo.pop()
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        if isinstance(err, NameResolutionError):
            return "NameResolutionError"
        if isinstance(err, ConnectionRefusedError):
            return "ConnectionRefusedError"
        todo += [err.__cause__, err.__context__, getattr(err, "reason", None)]
        todo += [a for a in err.args if isinstance(a, BaseException)]
    return None


def check_keyed_url(source: str, url: str) -> None:
    """A key is only sent over https (or plain http to a loopback test server)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"):
        return
    raise FetchError(
        source,
        f"refusing to send the API key to {parts.scheme}://{parts.netloc}: "
        "keyed calls require https",
    )


def retry_after_seconds(value: str | None) -> float | None:
    """Parse Retry-After: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def get(
    source: str,
    url: str,
    *,
    session: requests.Session | None = None,
    params: dict | None = None,
    headers: dict | None = None,
    secrets: list[str] | None = None,
    max_bytes: int | None = None,
    ok_status: tuple[int, ...] = (200,),
) -> requests.Response:
    """GET with the retry policy above. Returns the response for a status in ``ok_status``.

    A call that carries ``secrets`` (an API key in a header) goes over https only (plain http
    is allowed to a loopback test server) and follows no redirect: requests strips only the
    Authorization header when a redirect changes host, so a key in any other header would be
    sent to whatever host the redirect names.
    """
    session = session or new_session()
    keyed = bool([s for s in secrets or [] if s])
    if keyed:
        check_keyed_url(source, url)
    attempts = max_retries() + 1
    delay = backoff()
    last_error = ""
    for attempt in range(1, attempts + 1):
        wait: float | None = None
        try:
            response = session.get(
                url,
                params=params,
                headers=headers,
                timeout=timeout(),
                stream=max_bytes is not None,
                allow_redirects=not keyed,
            )
            if keyed and response.is_redirect:
                target = urlsplit(response.headers.get("Location", "")).netloc or "?"
                raise FetchError(
                    source,
                    f"HTTP {response.status_code} redirect to {target}: not followed, "
                    "a call with a key follows no redirect (the key would go with it)",
                )
            if max_bytes is not None:
                body = bytearray()
                for chunk in response.iter_content(65536):
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        response.close()
                        raise FetchError(source, f"response larger than {max_bytes} bytes")
                response._content = bytes(body)
        except requests.ConnectionError as exc:
            cause = unhealable(exc)
            if cause is not None:
                raise FetchError(source, f"{cause}: {urlsplit(url).netloc}") from None
            last_error = f"{type(exc).__name__}: {redact(str(exc), secrets)}"
        except requests.Timeout as exc:
            last_error = f"{type(exc).__name__}: {redact(str(exc), secrets)}"
        except requests.RequestException as exc:
            raise FetchError(source, redact(str(exc), secrets)) from None
        else:
            if response.status_code in ok_status:
                return response
            shown = redact(response.url or url, secrets)
            last_error = f"HTTP {response.status_code} from {shown}"
            if response.status_code not in RETRYABLE_STATUS:
                raise FetchError(source, last_error)
            wait = retry_after_seconds(response.headers.get("Retry-After"))
        if attempt == attempts:
            break
        pause(min(wait if wait is not None else delay, 60.0))
        delay *= 2
    raise FetchError(source, f"gave up after {attempts} attempts: {last_error}", retryable=True)


def conditional_headers(validators: dict | None) -> dict:
    """If-None-Match / If-Modified-Since from a previous answer's ETag / Last-Modified."""
    headers = {}
    if validators and validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators and validators.get("last_modified"):
        headers["If-Modified-Since"] = validators["last_modified"]
    return headers


def validators_of(response: requests.Response) -> dict:
    """ETag / Last-Modified of an answer, kept in the snapshot sidecar for the next fetch."""
    found = {
        "etag": response.headers.get("ETag"),
        "last_modified": response.headers.get("Last-Modified"),
    }
    return {k: v for k, v in found.items() if v}
