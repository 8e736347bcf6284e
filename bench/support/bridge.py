"""The bridge as `web21c-bridge run` wires it (bootstrap with Slack configured), pointed at
the stand-ins, with a temporary SQLite database; nothing is started, the bench drives it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from unittest import mock

from bench.support.standins import BOT_TOKEN, SIGNING_SECRET, StandIns
from bot.bootstrap import Bridge, bootstrap
from bot.config import load_settings
from bot.slack import chat as slack_chat
from bot.slack.pacing import ChannelPacer


@contextmanager
def wired_bridge(
    stand_ins: StandIns, db_path: Path, *, unpaced: bool = False, poll_interval: float = 1.0
) -> Iterator[Bridge]:
    """bootstrap() against the stand-ins. `unpaced`: the bridge's own per-channel pacing (one
    post a second per channel, bot.slack.pacing) is lifted, for benches that measure the
    pipeline's speed rather than Slack's allowance."""
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": stand_ins.slack_api_url,
            "WEB21C_ENDPOINT": stand_ins.web21c_url,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "PORT": "0",
            "POLL_INTERVAL_SECONDS": str(poll_interval),
        },
        dotenv_path=None,
    )
    pacer = partial(ChannelPacer, rate_per_second=1e9, burst=1_000_000) if unpaced else None
    with mock.patch.object(slack_chat, "ChannelPacer", pacer or ChannelPacer):
        bridge = bootstrap(settings)
    try:
        yield bridge
    finally:
        bridge.stop()


def add_routes(bridge: Bridge, routes: dict[str, str]) -> None:
    """keyword -> channel, as `/route` would store them."""
    with bridge.services.db.transaction() as tx:
        for keyword, channel in routes.items():
            tx.routes.set(keyword, channel, "UBENCH")
