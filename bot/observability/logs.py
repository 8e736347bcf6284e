"""Logging set-up, with a filter that blanks every configured secret, and the credentials of
any URL, out of every record; `redact_url`/`redact_urls` for every other place that prints a
URL (doctor, health answers, error messages)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "***"
# scheme://userinfo@ : what precedes the host in a URL with credentials. The userinfo runs to
# the last "@" before anything that cannot be in it (space, "/", "?", "#", quotes), so a
# password with a raw "@" is hidden whole and a sentence around the URL is left alone.
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s/?#<>\"']*)@")


def redact_url(url: str) -> str:
    """The URL without its secret: `user:***@` for a password, `***@` for a bare user part
    (often a token). A URL without credentials comes back unchanged."""
    return redact_urls(url)


def redact_urls(text: str) -> str:
    """Every URL in `text` with its credentials redacted (see redact_url)."""

    def hide(match: re.Match[str]) -> str:
        user, colon, _ = match.group(2).partition(":")
        kept = f"{user}:{REDACTED}" if colon else REDACTED
        return f"{match.group(1)}{kept}@"

    return _URL_CREDENTIALS.sub(hide, text)


CONSOLE_LOG_FILE = "web21c-bridge.log"  # where the console front end sends its log


class RedactSecrets(logging.Filter):
    """Replaces secret values, and URL credentials, in a record's rendered message (and
    arguments, and traceback) with ***."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return redact_urls(text)

    def filter(self, record: logging.LogRecord) -> bool:
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
