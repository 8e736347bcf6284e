"""The long kill test: 3,000 texts, 30 SIGKILLs of the bridge worker at random moments, some
while Slack holds a post it then carries out. Every text in Slack once, every one cleared.
Run by `make test-reliability` (marked slow); the quick version is tests/e2e/test_kill.py."""

from __future__ import annotations

import pytest

from adapters.web21c.sandbox import SandboxOptions, start_sandbox
from tests.e2e.conftest import BOT_TOKEN
from tests.e2e.killing import KillPlan, run_kill_test
from tests.slackapi import SlackApiServer


@pytest.mark.slow
def test_three_thousand_texts_through_thirty_kills(tmp_path):
    plan = KillPlan(texts=3000, kills=30, keywords=10, inject_seconds=150.0, max_kill_delay=4.0)
    with (
        SlackApiServer(bot_token=BOT_TOKEN) as slack,
        start_sandbox(options=SandboxOptions(speed=20.0)) as sandbox,
    ):
        figures = run_kill_test(tmp_path, slack, sandbox.url, plan)
    print(figures.summary())
    assert figures.texts == 3000 and figures.kills == 30
    assert figures.lost == [], figures.summary()
    assert figures.doubled == {}, figures.summary()
    assert figures.uncleared == [], figures.summary()
    assert figures.out_of_order_threads == [], figures.summary()
