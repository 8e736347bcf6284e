"""How long the bridge takes to record an inbound text and then its Slack ts, on SQLite.

    .venv/bin/python bench/storage_record.py [--quick]

Each message is two transactions, as the bridge does it: record_inbound (when polled from
Web21C) and mark_posted (once Slack answered with the ts). The baseline runs the same two
statements, each in its own transaction, with the standard library's sqlite3 on an identical
file and pragmas, so the figure shows what storage/ adds on top of SQLite itself.
Goal: under 1 ms median per message.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage import Database
from storage.migrate import upgrade

GOAL_MS = 1.0


def bench_storage(path: Path, count: int) -> list[float]:
    url = f"sqlite:///{path}"
    upgrade(url)
    database = Database(url)
    with database.transaction() as tx:
        conversation, _ = tx.conversations.get_or_create("+447700900123", "C0123")
    timings = []
    try:
        for n in range(count):
            started = time.perf_counter()
            with database.transaction() as tx:
                message, _ = tx.messages.record_inbound(
                    f"msg-{n}", "help", "tel:+447700900123", "on my way", datetime.now(UTC)
                )
            with database.transaction() as tx:
                tx.messages.mark_posted(message.id, conversation.id, "C0123", f"1700000000.{n:06d}")
            timings.append(time.perf_counter() - started)
    finally:
        database.close()
    return timings


def bench_raw_sqlite(path: Path, count: int) -> list[float]:
    """The same two statements with sqlite3 directly, on a schema migrated the same way."""
    upgrade(f"sqlite:///{path}")
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute(
        "INSERT INTO conversations (phone_number, channel_id, created_at, last_activity_at)"
        " VALUES ('+447700900123', 'C0123', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
    )
    insert = (
        "INSERT INTO messages (direction, web21c_message_id, keyword, sender, text,"
        " received_at, created_at) VALUES ('in', ?, 'help', 'tel:+447700900123', 'on my way',"
        " ?, ?) ON CONFLICT (direction, web21c_message_id) DO NOTHING RETURNING id"
    )
    update = (
        "UPDATE messages SET conversation_id = 1, channel_id = 'C0123', slack_ts = ?,"
        " posted_at = ? WHERE id = ? AND posted_at IS NULL"
    )
    timings = []
    try:
        for n in range(count):
            started = time.perf_counter()
            now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            connection.execute("BEGIN IMMEDIATE")
            (message_id,) = connection.execute(insert, (f"msg-{n}", now, now)).fetchone()
            connection.execute("COMMIT")
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(update, (f"1700000000.{n:06d}", now, message_id))
            connection.execute("COMMIT")
            timings.append(time.perf_counter() - started)
    finally:
        connection.close()
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages, for a smoke run")
    args = parser.parse_args()
    count = 300 if args.quick else 3000
    warmup = count // 10
    with tempfile.TemporaryDirectory() as tmp:
        baseline = bench_raw_sqlite(Path(tmp) / "raw.db", count)[warmup:]
        measured = bench_storage(Path(tmp) / "bridge.db", count)[warmup:]
    base_ms = statistics.median(baseline) * 1000
    ours_ms = statistics.median(measured) * 1000
    p95_ms = statistics.quantiles(measured, n=20)[-1] * 1000
    print(f"SQLite {sqlite3.sqlite_version}, WAL, synchronous=NORMAL; {len(measured)} messages")
    print(f"baseline, raw sqlite3 (2 transactions): median {base_ms:.3f} ms")
    print(f"storage record_inbound + mark_posted:   median {ours_ms:.3f} ms (p95 {p95_ms:.3f} ms)")
    verdict = "meets" if ours_ms < GOAL_MS else "MISSES"
    print(f"{verdict} the goal of {GOAL_MS:.0f} ms median; overhead {ours_ms - base_ms:+.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
