"""The Web21C schemas are compiled once per process and shared (#13.8): in a freshly started
process, many SOAP calls at once, each the first of its thread, all succeed on both sides
(the client validates what it sends and receives, the sandbox what it serves)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from adapters.web21c.contract import CAPABILITIES

ROOT = Path(__file__).resolve().parents[3]

FIRST_CALLS = r"""
import json, sys, threading
from adapters.web21c.sandbox import start_sandbox
from adapters.web21c.client import Web21CClient

THREADS = 32
errors = []
with start_sandbox() as sandbox, Web21CClient(sandbox.url) as client:
    calls = [
        lambda: client.send_message(["tel:+447700900123"], "tel:+447700900999", "hi"),
        lambda: client.get_received_messages("HELP"),
        lambda: client.make_call("tel:+447700900001", "tel:+447700900002"),
        lambda: client.create_conference(),
    ]
    start = threading.Barrier(THREADS)

    def first_call(n):
        start.wait()
        try:
            calls[n % len(calls)]()
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=first_call, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = len(sandbox.sandbox.messages())
print(json.dumps({"errors": errors, "texts": texts}))
"""


def test_many_concurrent_first_calls_in_a_fresh_process_all_succeed():
    for _ in range(3):  # each run a new process: nothing compiled, no thread warmed up
        run = subprocess.run(
            [sys.executable, "-c", FIRST_CALLS],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        outcome = json.loads(run.stdout.strip().splitlines()[-1])
        assert outcome == {"errors": [], "texts": 8}, outcome


def test_every_thread_shares_one_compiled_schema_per_capability():
    seen: list[dict[str, int]] = []

    def look() -> None:
        seen.append({cap.name: id(cap.schema) for cap in CAPABILITIES})

    threads = [threading.Thread(target=look) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    look()
    assert len(seen) == 9
    assert all(ids == seen[0] for ids in seen)
