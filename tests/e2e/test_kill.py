"""Nothing lost, nothing doubled: a bridge worker killed with SIGKILL 20 times at random moments
while texts stream in (see tests/e2e/killing.py; the long soak is in tests/reliability)."""

from __future__ import annotations

from tests.e2e.killing import KillPlan, run_kill_test


def test_every_text_reaches_slack_exactly_once_through_twenty_kills(tmp_path, slack, sandbox):
    figures = run_kill_test(tmp_path, slack, sandbox.url, KillPlan(texts=300, kills=20))
    print(figures.summary())
    assert figures.texts == 300 and figures.kills == 20
    assert figures.lost == [], figures.summary()
    assert figures.doubled == {}, figures.summary()
    assert figures.uncleared == [], figures.summary()
    assert figures.out_of_order_threads == [], figures.summary()
    assert figures.hung_kills >= 1, "no kill landed while Slack held a post"
