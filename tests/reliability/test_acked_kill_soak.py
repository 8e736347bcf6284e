"""Acknowledged requests through SIGKILLs of every bridge process (tests/reliability/
acked_kills.py): none vanishes, none is done twice. The quick run is part of `make test`;
the long one (300 and more acknowledged requests) runs in `make test-reliability`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import BOT_TOKEN
from tests.reliability.acked_kills import SoakPlan, run_soak
from tests.slackapi import SlackApiServer
from tests.storage_fixtures import database_url, postgres_url  # noqa: F401


@pytest.fixture
def slack() -> Iterator[SlackApiServer]:
    """The fake Slack with the token the bridge processes use (tests/e2e/processes.py)."""
    with SlackApiServer(bot_token=BOT_TOKEN) as server:
        yield server


def _check(figures, plan: SoakPlan) -> None:
    print(figures.summary())
    assert figures.kills == plan.bursts
    assert figures.refused == [], figures.summary()  # a healthy bridge takes every request
    assert figures.acked == plan.bursts * plan.per_burst
    assert figures.vanished == [], figures.summary()
    assert figures.doubled == {}, figures.summary()
    # Other answers are reports too, so they count against "vanished" neither way. Before
    # issue 13's schema fix (item 8) a freshly started worker's first concurrent SOAP calls
    # can fail with "Something went wrong" although the text went: printed, not asserted.
    for answer in figures.told_otherwise:
        print("told something else:", answer)
    assert figures.done + figures.told_uncertain >= figures.acked


def test_acknowledged_requests_survive_three_kills_of_every_process(
    tmp_path, slack, sandbox, database_url  # noqa: F811
):
    plan = SoakPlan(bursts=3, per_burst=10, workers=2)
    _check(run_soak(tmp_path, slack, sandbox, database_url, plan), plan)


@pytest.mark.slow
def test_three_hundred_acknowledged_requests_through_thirty_kills_of_every_process(
    tmp_path, slack, sandbox, database_url  # noqa: F811
):
    plan = SoakPlan(bursts=30, per_burst=10, workers=2, max_kill_delay=1.0)
    _check(run_soak(tmp_path, slack, sandbox, database_url, plan), plan)
