"""An ack does not wait for the worker (issue 13), against the running bridge on SQLite.

The fault: something holds SQLite's one write lock on the bridge's database for three
seconds (a worker's long transaction, a housekeeping batch, an operator's `sqlite3` shell).
Before the intake (storage.intake) every `/sms` in that time waited for the lock, and after
two seconds was refused with "its database is unreachable". Now each is acknowledged at once
and texted once the lock is free.
"""

from __future__ import annotations

import sqlite3
import time

from tests.e2e.waiting import wait_until


def test_slash_commands_are_acked_while_the_database_write_lock_is_held(reliability_bridge, logs):
    wired = reliability_bridge
    path = wired.bridge.settings.database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    answers = []
    try:
        for n in range(6):  # spread over three seconds, all while the lock is held
            status, ack, _ = wired.command("/sms", f"+44770090{n:04d} lock test {n}")
            answers.append((status, ack))
            time.sleep(0.5)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert answers and all(answer == (200, "") for answer in answers), answers
    texts = {f"lock test {i}" for i in range(len(answers))}
    wait_until(
        lambda: texts <= {m["messageText"] for m in wired.sandbox.sandbox.messages()},
        what="every acknowledged /sms texted once the lock is free",
    )
    sent = [m["messageText"] for m in wired.sandbox.sandbox.messages()]
    assert sorted(t for t in sent if t in texts) == sorted(texts)  # each once
    assert logs.problems() == [], logs.summary()
