"""Footprint: time from start to ready, and resident memory idle and after an inbound load.

    .venv/bin/python bench/footprint.py [--quick] [--texts N]

Starts `web21c-bridge run` with Slack configured (SLACK_API_URL at the fake Slack,
WEB21C_ENDPOINT at the sandbox, both in another process; a temporary SQLite database with 20
keyword routes) and times from spawning it to the first 200 from /healthz, three times.
Baselines, timed the same way: `python -c 'import sys'` (to exit) and a bare stdlib HTTP
server answering /healthz (to its first 200).

Memory is VmRSS from /proc/<pid>/status: once ready and idle for 3 s, then after a load like
benchmark 2's (2,000 texts, 300 with --quick, from 400 senders over 20 channels, injected
at once and waited for until all are posted and cleared), with VmHWM (the peak). The loaded
process is the same `run` started through bot.cli.main.main with the bridge's own pacing lifted
(one post a second per channel would make 2,000 texts take minutes; bench/paced_delivery.py
measures pacing); its idle figure is shown too, so the two starts can be compared.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support.standins import BOT_TOKEN, SIGNING_SECRET, StandIns  # noqa: E402
from storage import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

PYTHON = sys.executable
BRIDGE = str(Path(PYTHON).with_name("web21c-bridge"))
CHANNELS = 20
UNPACED_RUN = (
    "import functools, sys\n"
    "from bot.slack import chat\n"
    "from bot.slack.pacing import ChannelPacer\n"
    "chat.ChannelPacer = functools.partial(ChannelPacer, rate_per_second=1e9, burst=10**6)\n"
    "from bot.cli.main import main\n"
    "sys.exit(main(['run']))\n"
)
HELLO = (
    "import sys\n"
    "from http.server import BaseHTTPRequestHandler, HTTPServer\n"
    "class Hello(BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        self.send_response(200)\n"
    "        self.send_header('Content-Length', '2')\n"
    "        self.end_headers()\n"
    "        self.wfile.write(b'ok')\n"
    "    def log_message(self, *args):\n"
    "        pass\n"
    "HTTPServer(('127.0.0.1', int(sys.argv[1])), Hello).serve_forever()\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
            return answer.status == 200
    except OSError:
        return False


def start(
    argv: list[str], env: dict[str, str], port: int, cwd: str
) -> tuple[subprocess.Popen, float]:
    """Spawn, then poll /healthz every 5 ms; seconds from spawn to the first 200."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while not healthy(port):
        if process.poll() is not None:
            raise SystemExit(f"{argv[0]} exited with {process.returncode} before it was ready")
        if time.perf_counter() - started > 60:
            process.kill()
            raise SystemExit(f"{argv[0]} not ready after 60 s")
        time.sleep(0.005)
    return process, time.perf_counter() - started


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def bridge_env(stand_ins: StandIns, db_url: str, port: int) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": stand_ins.slack_api_url,
        "WEB21C_ENDPOINT": stand_ins.web21c_url,
        "DATABASE_URL": db_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "POLL_INTERVAL_SECONDS": "0.5",
        "LOG_LEVEL": "WARNING",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one start each, 300 texts")
    parser.add_argument("--texts", type=int, default=None)
    args = parser.parse_args()
    texts = args.texts or (300 if args.quick else 2000)
    runs = 1 if args.quick else 3
    routes = {f"fp{c:02d}": f"CFP{c:02d}" for c in range(CHANNELS)}

    with StandIns() as stand_ins, tempfile.TemporaryDirectory() as tmp:
        stand_ins("add_channels", list(routes.values()))
        db_url = f"sqlite:///{Path(tmp) / 'bridge.db'}"
        upgrade(db_url)
        database = Database(db_url)
        with database.transaction() as tx:
            for keyword, channel in routes.items():
                tx.routes.set(keyword, channel, "UBENCH")
        database.close()

        # Start to ready: the bridge and the baselines.
        python_starts = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([PYTHON, "-c", "import sys"], check=True)
            python_starts.append(time.perf_counter() - started)
        hello_starts, bridge_starts, idle = [], [], (0.0, 0.0)
        for _ in range(runs):
            port = free_port()
            process, seconds = start([PYTHON, "-c", HELLO, str(port)], {}, port, tmp)
            hello_starts.append(seconds)
            hello_rss = memory(process.pid)
            stop(process)
        for _ in range(runs):
            port = free_port()
            env = bridge_env(stand_ins, db_url, port)
            process, seconds = start([BRIDGE, "run"], env, port, tmp)
            bridge_starts.append(seconds)
            time.sleep(3)
            idle = memory(process.pid)
            stop(process)

        # Memory after a load like benchmark 2's.
        port = free_port()
        env = bridge_env(stand_ins, db_url, port)
        process, _ = start([PYTHON, "-c", UNPACED_RUN], env, port, tmp)
        time.sleep(3)
        idle_unpaced = memory(process.pid)
        keywords = list(routes)
        senders = max(1, texts // 5)
        stand_ins(
            "inject",
            [
                (f"tel:+4477009{n % senders:05d}", keywords[n % senders % CHANNELS], f"text {n}")
                for n in range(texts)
            ],
        )
        started = time.perf_counter()
        while stand_ins("waiting") and time.perf_counter() - started < 300:
            time.sleep(0.25)
        drained = time.perf_counter() - started
        left = stand_ins("waiting")
        loaded = memory(process.pid)
        stop(process)

    print(f"start to ready (median of {runs}; seconds):")
    print(f"  python -c 'import sys' (start and exit)      {statistics.median(python_starts):6.3f}")
    print(f"  bare stdlib HTTP app, to first /healthz 200  {statistics.median(hello_starts):6.3f}")
    print(f"  web21c-bridge run, to first /healthz 200     {statistics.median(bridge_starts):6.3f}")
    ratio = statistics.median(bridge_starts) / statistics.median(hello_starts)
    print(f"  bridge / bare stdlib HTTP: {ratio:.1f}x")
    print("resident memory, MiB (VmRSS / VmHWM peak):")
    print(
        f"  bare stdlib HTTP app, ready                  {hello_rss[0]:6.1f} / {hello_rss[1]:6.1f}"
    )
    print(f"  web21c-bridge run, idle 3 s after ready      {idle[0]:6.1f} / {idle[1]:6.1f}")
    print(
        f"  same, pacing lifted, idle                    "
        f"{idle_unpaced[0]:6.1f} / {idle_unpaced[1]:6.1f}"
    )
    after = f"same, after {texts} texts ({drained:.0f} s)"
    print(f"  {after:44} {loaded[0]:6.1f} / {loaded[1]:6.1f}")
    if left:
        print(f"{left} texts still waiting at the sandbox after 300 s")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
