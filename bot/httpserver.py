"""Serve a WSGI app with waitress on a background thread (the bridge and the sandbox use it)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from waitress.server import create_server

log = logging.getLogger(__name__)


class HttpServer:
    """A started-on-demand waitress server; port 0 picks a free port (see `.port`)."""

    def __init__(self, app: Callable, host: str, port: int, threads: int = 8, name: str = "http"):
        # A short loop timeout lets stop() return promptly instead of after up to a second.
        self._server = create_server(
            app, host=host, port=port, threads=threads, ident=None, asyncore_loop_timeout=0.1
        )
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self.host = host
        self.port: int = self._server.effective_port  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> HttpServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        try:
            self._server.run()
        except OSError:  # closed while stopping
            log.debug("server loop ended", exc_info=True)

    def stop(self) -> None:
        self._server.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
