"""`mic2025 web` under load, on loopback only, bounded in count and time: idle and trickling
clients are dropped after the idle timeout, and a burst is served while they wait."""

import socket
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from mic2025.warehouse.web import make_server


def serve(tmp_path, **kwargs):
    (tmp_path / "index.html").write_text("<!doctype html><title>ok</title><p>answer</p>")
    server = make_server(tmp_path, "127.0.0.1", 0, **kwargs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/index.html"


def test_idle_clients_are_dropped_and_a_burst_is_served_meanwhile(tmp_path):
    server, url = serve(tmp_path, idle_timeout=1.0, max_workers=128)
    idle = []
    try:
        for _ in range(60):  # connect and send nothing, like a slow or stuck client
            s = socket.create_connection(server.server_address, timeout=5)
            idle.append(s)
        trickle = socket.create_connection(server.server_address, timeout=5)
        trickle.sendall(b"GET /index.html HTTP/1.1\r\n")  # never finishes its request

        def get(_):
            started = time.monotonic()
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.status == 200 and b"answer" in response.read()
            return time.monotonic() - started

        with ThreadPoolExecutor(max_workers=20) as pool:
            waits = list(pool.map(get, range(200)))
        assert max(waits) < 1.0, max(waits)  # no request stalled behind the idle clients
        # after the idle timeout the server has closed every idle connection
        time.sleep(1.5)
        for s in [*idle, trickle]:
            s.settimeout(2)
            assert s.recv(1) == b""  # closed by the server, not left holding a worker
    finally:
        for s in idle:
            s.close()
        server.shutdown()
        server.server_close()


def test_workers_are_bounded_and_the_rest_wait_in_the_backlog(tmp_path):
    server, url = serve(tmp_path, idle_timeout=0.5, max_workers=4)
    holders = [socket.create_connection(server.server_address, timeout=5) for _ in range(8)]
    try:
        time.sleep(0.2)
        assert server._slots._value == 0  # 4 busy workers: the other 4 wait, no new thread
        with urllib.request.urlopen(url, timeout=5) as response:  # served once they time out
            assert response.status == 200
    finally:
        for s in holders:
            s.close()
        server.shutdown()
        server.server_close()


def test_web_on_a_busy_port_is_one_line_before_saying_serving(tmp_path):
    from typer.testing import CliRunner

    from mic2025.flows.cli import app

    (tmp_path / "index.html").write_text("<!doctype html><title>ok</title>")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["web", "--port", str(port), "--dir", str(tmp_path)])
    finally:
        busy.close()
    assert result.exit_code == 1
    assert "cannot listen on 127.0.0.1:" in result.output and "serving" not in result.output
