"""`SlackApiServer`: the fake Slack Web API on a loopback port, for end-to-end tests.

with SlackApiServer(bot_token="xoxb-test") as slack:
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    ...
    slack.state.wait_for_messages(channel_id, 1)

Socket Mode apps connect with the app-level token `app_token` (see tests.slackapi.socket_mode).
"""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk import WebClient

from bot.http.server import HttpServer
from tests.slackapi.faults import Faults
from tests.slackapi.socket_mode import APP_TOKEN, ConnectionsOpenApi, SocketModeGateway
from tests.slackapi.state import SlackState
from tests.slackapi.wsgi import SlackApiApp


class SlackApiServer:
    """A started-on-demand fake Slack: `api_url` for clients, `state` and `faults` for tests."""

    def __init__(
        self,
        bot_token: str = "xoxb-test",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state: SlackState | None = None,
        extra_tokens: Iterable[str] = (),
        app_token: str = APP_TOKEN,
    ):
        self.bot_token = bot_token
        self.app_token = app_token
        self.state = state or SlackState()
        self.app = SlackApiApp(self.state, [bot_token, *extra_tokens])
        self.socket_mode = SocketModeGateway(host)
        self.connections_open = ConnectionsOpenApi(self.app, self.socket_mode, [app_token])
        self._http = HttpServer(self.connections_open, host, port, name="fake-slack")
        self.state.base_url = self._http.url

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT (response URLs live under it)."""
        return self._http.url

    @property
    def api_url(self) -> str:
        """Web API base URL for `WebClient(base_url=...)` and SLACK_API_URL."""
        return f"{self._http.url}/api/"

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def faults(self) -> Faults:
        return self.state.faults

    def client(self, **kwargs) -> WebClient:
        """A slack_sdk client for this server, authenticated as the bot."""
        return WebClient(token=self.bot_token, base_url=self.api_url, **kwargs)

    def reset(self) -> None:
        """A fresh workspace and a healthy Slack on the same port (see SlackState.reset)."""
        self.state.reset()

    def start(self) -> SlackApiServer:
        self.state.faults.released.clear()
        self._http.start()
        self.socket_mode.start()
        return self

    def stop(self) -> None:
        self.state.faults.released.set()  # let hanging calls finish so the threads can stop
        self.socket_mode.stop()
        self._http.stop()

    def __enter__(self) -> SlackApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
