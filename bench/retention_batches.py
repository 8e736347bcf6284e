"""Retention: how long a purge makes a writer wait, batched (as the bridge does) against one
unbatched DELETE of the same rows (the baseline), in the same run.

    .venv/bin/python bench/retention_batches.py [--quick] [--texts N] [--postgres URL]

Seeds N finished inbound texts 40 days old (20,000; 3,000 with --quick) into a fresh database
(a temporary SQLite file, or a fresh schema on the PostgreSQL at URL), then deletes them with
retention in force while another thread records a new text every 10 ms, as inbound does. It
prints the purge's batches and the writer's worst and median wait; then seeds again and does
the same with one DELETE in one transaction.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, text

from bot.core.clock import SystemClock
from bot.services.parties import Policy
from bot.services.retention import Retention
from storage import Database
from storage.models import MessageRow
from storage.repositories.retention import BATCH
from storage.types import utcnow

_m = MessageRow.__table__


def seed(db: Database, count: int) -> None:
    old = utcnow() - timedelta(days=40)
    rows = [
        {
            "direction": "in",
            "web21c_message_id": f"old-{uuid.uuid4().hex}",
            "sender": "tel:+447700900123",
            "text": "an old text",
            "keyword": "pizza",
            "received_at": old,
            "created_at": old,
            "posted_at": old,
            "cleared_at": old,
            "bridge_post": True,
        }
        for _ in range(count)
    ]
    with db.transaction() as tx:
        for start in range(0, count, 5000):
            tx.connection.execute(_m.insert(), rows[start : start + 5000])


def with_writer(db: Database, work) -> tuple[float, list[float]]:
    """Run `work` while a writer records a text every 10 ms; its duration and the waits."""
    waits: list[float] = []
    done = threading.Event()

    def write() -> None:
        while not done.is_set():
            started = time.perf_counter()
            with db.transaction() as tx:
                tx.messages.record_inbound(
                    f"new-{uuid.uuid4().hex}", "pizza", "tel:+1", "hi", utcnow()
                )
            waits.append(time.perf_counter() - started)
            time.sleep(0.01)

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.1)
    started = time.perf_counter()
    work()
    took = time.perf_counter() - started
    time.sleep(0.1)
    done.set()
    writer.join()
    return took, waits


def batched(db: Database) -> int:
    """The bridge's own purge (bot.services.retention); how many texts it deleted."""
    policy = Policy("GB", frozenset({"GB"}), frozenset())
    return Retention(db, SystemClock(), policy, days=30).purge().texts


def unbatched(db: Database) -> None:
    before = utcnow() - timedelta(days=30)
    with db.transaction() as tx:
        tx.connection.execute(delete(_m).where(_m.c.created_at < before))


def report(name: str, took: float, waits: list[float], extra: str = "") -> None:
    worst = max(waits) * 1000
    median = statistics.median(waits) * 1000
    print(
        f"{name:<28} {took * 1000:9.0f} ms total  writer wait: worst {worst:7.1f} ms, "
        f"median {median:5.1f} ms ({len(waits)} writes){extra}"
    )


def run(db: Database, count: int) -> None:
    seed(db, count)
    result: list[int] = []
    took, waits = with_writer(db, lambda: result.append(batched(db)))
    extra = f"; {-(-result[0] // BATCH)} batches of {BATCH}"
    report("batched (the bridge)", took, waits, extra)
    seed(db, count)
    took, waits = with_writer(db, lambda: unbatched(db))
    report("one DELETE (baseline)", took, waits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--texts", type=int)
    parser.add_argument("--postgres", metavar="URL")
    args = parser.parse_args()
    count = args.texts or (3_000 if args.quick else 20_000)
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = Database(args.postgres)
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in args.postgres else "?"
        url = f"{args.postgres}{sep}options=-csearch_path%3D{schema}"
        try:
            with Database(url) as db:
                db.create_schema()
                print(f"PostgreSQL, {count} old texts")
                run(db, count)
        finally:
            with admin.engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.close()
        return
    with tempfile.TemporaryDirectory() as tmp, Database(f"sqlite:///{Path(tmp) / 'b.db'}") as db:
        db.create_schema()
        print(f"SQLite, {count} old texts")
        run(db, count)


if __name__ == "__main__":
    main()
