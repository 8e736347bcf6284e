"""The one place that wires configuration to storage, telephony, chat, scheduler and HTTP.

Everything else receives its collaborators as arguments; only this module decides which
concrete adapter stands behind each port.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.config import Settings
from bot.httpserver import HttpServer
from bot.web import WebApp

log = logging.getLogger(__name__)


@dataclass
class Bridge:
    """The wired application. Front ends and subcommands start the parts they need."""

    settings: Settings
    web: WebApp
    _servers: list[HttpServer] = field(default_factory=list)

    def start_http(self) -> HttpServer:
        server = HttpServer(self.web, self.settings.host, self.settings.port, name="bridge-http")
        self._servers.append(server.start())
        log.info("HTTP server listening on %s", server.url)
        return server

    def stop(self) -> None:
        for server in reversed(self._servers):
            server.stop()
        self._servers.clear()


def bootstrap(settings: Settings) -> Bridge:
    """Build the bridge for these settings; nothing is started yet."""
    return Bridge(settings=settings, web=WebApp())
