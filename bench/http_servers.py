"""Which WSGI server the bridge runs on: waitress or cheroot, measured side by side.

    .venv/bin/python bench/http_servers.py [--requests 1000] [--burst 500] [--clients 20]

(cheroot is not a dependency of the bridge: `pip install -e '.[bench]'` brings it in; without
it only waitress is measured.) Each server runs in a process of its own, serving the same
app: the floor of any Slack endpoint, verify the signature on the body and answer 200.
Both get the same pool of 32 threads. For each:

- sequential: N signed requests one after another on one keep-alive connection;
- burst: M signed requests from C concurrent keep-alive clients, all starting together;
- framing: of the ambiguous requests below (each followed by a second, smuggled request),
  how many it refused whole, answering once with a 4xx or 5xx.

The bridge uses the server that refuses every ambiguous framing; among those, the faster.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import math
import multiprocessing
import socket
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.slackapi.signing import signed_headers, slash_command_body  # noqa: E402

SECRET = "bench-signing-secret"
THREADS = 32
SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
FRAMINGS = {
    "two equal Content-Lengths": b"Content-Length: 2\r\nContent-Length: 2\r\n",
    "two differing Content-Lengths": b"Content-Length: 2\r\nContent-Length: 40\r\n",
    "Content-Length +2": b"Content-Length: +2\r\n",
    "Content-Length 0_2": b"Content-Length: 0_2\r\n",
    "Transfer-Encoding gzip": b"Transfer-Encoding: gzip\r\n",
    "Transfer-Encoding chunked, identity": b"Transfer-Encoding: chunked, identity\r\n",
    "Transfer-Encoding and Content-Length": b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n",
}


def verify_app(environ, start_response):
    """Slack's scheme on the raw body, as bot/slack/http.py checks it."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, environ.get("HTTP_X_SLACK_SIGNATURE", ""))
    start_response("200 OK" if ok else "401 Unauthorized", [("Content-Length", "0")])
    return [b""]


def _serve(kind: str, conn) -> None:
    if kind == "waitress":
        from bot.http.server import HttpServer

        server = HttpServer(verify_app, "127.0.0.1", 0, threads=THREADS).start()
        conn.send(server.port)
        conn.recv()
        server.stop()
    else:
        from cheroot import wsgi

        server = wsgi.Server(("127.0.0.1", 0), verify_app, numthreads=THREADS, timeout=75)
        server.max_request_header_size = 32 * 1024
        server.max_request_body_size = 1024 * 1024
        server.request_queue_size = 2048
        server.prepare()
        thread = threading.Thread(target=server.serve, daemon=True)
        thread.start()
        conn.send(server.bind_addr[1])
        conn.recv()
        server.stop()


def nearest_rank(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def sequential(port: int, bodies: list[bytes]) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    samples = []
    for body in bodies:
        headers = signed_headers(SECRET, body)
        began = time.perf_counter()
        conn.request("POST", "/slack/events", body, headers)
        response = conn.getresponse()
        response.read()
        samples.append(time.perf_counter() - began)
        assert response.status == 200, response.status
    conn.close()
    return samples


def burst(port: int, bodies: list[bytes], clients: int) -> list[float]:
    start = threading.Barrier(clients)
    samples: list[float] = []
    lock = threading.Lock()

    def client(share: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        signed = [(body, signed_headers(SECRET, body)) for body in share]
        start.wait()
        for body, headers in signed:
            began = time.perf_counter()
            conn.request("POST", "/slack/events", body, headers)
            response = conn.getresponse()
            response.read()
            with lock:
                samples.append(time.perf_counter() - began)
        conn.close()

    threads = [threading.Thread(target=client, args=(bodies[n::clients],)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def refused_whole(port: int, headers: bytes) -> bool:
    request = b"POST /x HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n{}" + SMUGGLED
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(request)
        answer = b""
        with suppress(OSError):
            while chunk := sock.recv(65536):
                answer += chunk
    statuses = [
        line.split(b" ")[1] for line in answer.split(b"\r\n") if line.startswith(b"HTTP/1.")
    ]
    return len(statuses) == 1 and statuses[0][:1] in (b"4", b"5")


def measure(kind: str, args) -> dict:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=_serve, args=(kind, theirs), daemon=True)
    child.start()
    try:
        port = ours.recv()
        bodies = [
            slash_command_body("/sms", f"07700 900123 n{n}", "UALICE", "C1", "http://x/")
            for n in range(max(args.requests, args.burst) + 100)
        ]
        sequential(port, bodies[:100])  # warm-up
        seq = sequential(port, bodies[: args.requests])
        bur = burst(port, bodies[: args.burst], args.clients)
        refused = [name for name, headers in FRAMINGS.items() if refused_whole(port, headers)]
    finally:
        ours.send("stop")
        child.join(timeout=30)
    return {"seq": seq, "burst": bur, "refused": refused}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args(argv)
    kinds = ["waitress"]
    try:
        import cheroot  # noqa: F401

        kinds.append("cheroot")
    except ImportError:
        print("cheroot is not installed (pip install -e '.[bench]'): measuring waitress only")
    results = {kind: measure(kind, args) for kind in kinds}
    print(
        f"verify-and-200 app, {THREADS} threads; sequential {args.requests} on one connection, "
        f"burst {args.burst} from {args.clients} clients; loopback"
    )
    print(
        f"{'':10} {'seq p50':>8} {'seq p99':>8} {'burst p50':>10} {'burst p99':>10} "
        f"{'burst max':>10} {'framing refused':>16}   (ms)"
    )
    for kind, r in results.items():
        seq50, seq99 = (nearest_rank(r["seq"], p) * 1e3 for p in (0.5, 0.99))
        burst50, burst99 = (nearest_rank(r["burst"], p) * 1e3 for p in (0.5, 0.99))
        print(
            f"{kind:10} {seq50:8.2f} {seq99:8.2f} {burst50:10.2f} {burst99:10.2f}"
            f" {max(r['burst']) * 1e3:10.2f} {len(r['refused']):>9} of {len(FRAMINGS)}"
        )
    for kind, r in results.items():
        missed = [name for name in FRAMINGS if name not in r["refused"]]
        print(f"{kind} passed on to the app: {', '.join(missed) or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
