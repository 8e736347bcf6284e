"""Logging set-up, with a filter that blanks every configured secret out of every record."""

from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "***"
CONSOLE_LOG_FILE = "web21c-bridge.log"  # where the console front end sends its log


class RedactSecrets(logging.Filter):
    """Replaces secret values in a record's rendered message (and arguments) with ***."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            record.msg = self.redact(record.getMessage())
            record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self.redact(record.exc_text)
        return True


QUIET_LIBRARIES = ("apscheduler", "urllib3", "zeep", "slack_bolt", "slack_sdk")


def configure_logging(level: str, secrets: Iterable[str], path: str | None = None) -> None:
    """Log one line a record to stderr (or to `path`), with secrets removed whatever logger
    emits them. Chatty libraries only speak up for warnings."""
    handler = logging.FileHandler(path) if path else logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
