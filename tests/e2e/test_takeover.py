"""Two worker processes on one PostgreSQL database: the storage lease lets one run the inbound
job at a time, no text is posted twice, and when the holder is killed the other takes over
once the lease expires."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from storage import Database, LeaseManager
from storage.migrate import upgrade
from tests.e2e.processes import BridgeProcess, bridge_environment
from tests.e2e.sandbox_admin import SandboxAdmin
from tests.e2e.waiting import wait_until
from tests.storage_fixtures import database_url, postgres_url  # noqa: F401  (fixtures)

KEYWORDS = {"north": "CNORTH", "south": "CSOUTH", "east": "CEAST", "west": "CWEST"}
TEXTS = 120


def _posted(slack) -> Counter:
    posts = slack.state.find_messages(
        lambda m: bool(m.metadata) and m.metadata.get("event_type") == "web21c_inbound"
    )
    return Counter(p.metadata["event_payload"]["message_id"] for p in posts)


def _wait(predicate, what: str, timeout: float = 120.0):
    return wait_until(predicate, what, timeout)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_post_each_text_once_and_the_survivor_takes_over(
    tmp_path,
    slack,
    sandbox,
    database_url,  # noqa: F811  (the storage fixture, PostgreSQL only)
):
    slack.reset()
    for keyword, channel in KEYWORDS.items():
        slack.state.add_channel(keyword, channel_id=channel)
    upgrade(database_url)
    db = Database(database_url)
    leases = LeaseManager(db)
    with db.transaction() as tx:
        for keyword, channel in KEYWORDS.items():
            tx.routes.set(keyword, channel, "UADMIN")
    environ = bridge_environment(slack.api_url, sandbox.url, database_url)
    workers = [BridgeProcess(tmp_path, environ, name=f"worker-{n}") for n in (1, 2)]
    admin = SandboxAdmin(sandbox.url)
    sent: list[str] = []

    def inject() -> None:
        for i in range(TEXTS):
            keyword = list(KEYWORDS)[i % len(KEYWORDS)]
            sender = f"tel:+4477009006{i % 8:02d}"
            sent.append(admin.text_in(sender, f"{keyword} takeover text {i}"))
            time.sleep(0.15)

    try:
        holders = {w.start().wait_started(): w for w in workers}
        injector = threading.Thread(target=inject, daemon=True)
        injector.start()
        _wait(lambda: len(_posted(slack)) >= 20, "the first 20 texts in Slack")
        first = _wait(lambda: leases.holder("job:inbound"), "a holder of the inbound lease")
        assert first in holders, f"the lease is held by {first}, not one of our workers"
        victim = holders[first]
        survivor_holder = next(h for h in holders if h != first)
        before = sum(_posted(slack).values())
        victim.kill()
        killed_at = time.monotonic()
        _wait(lambda: leases.holder("job:inbound") == survivor_holder, "the survivor's lease")
        took_over = time.monotonic() - killed_at
        _wait(lambda: sum(_posted(slack).values()) > before, "posts after the takeover")
        print(f"takeover: the survivor holds the inbound lease {took_over:.1f}s after the kill")
        injector.join()
        ids = set(sent)
        _wait(
            lambda: ids <= set(_posted(slack)) and not (admin.waiting_ids() & ids),
            "every text posted and cleared",
        )
    finally:
        for worker in workers:
            worker.stop()
        db.close()
    posted = _posted(slack)
    assert len(sent) == TEXTS
    assert {m: n for m, n in posted.items() if n > 1} == {}, "texts posted twice"
    assert set(sent) <= set(posted)
