"""Request parameters as Slack methods read them, and the error a method answers with.

Slack accepts the same argument as a query string, a form field or a JSON value; booleans as
true/false/1/0; `blocks`, `metadata` and `view` as JSON text inside form data."""

from __future__ import annotations

import json
from typing import Any


class SlackError(Exception):
    """A method's `{"ok": false, "error": ...}` answer (HTTP 200, as Slack does)."""

    def __init__(self, error: str, **extra: Any):
        super().__init__(error)
        self.error = error
        self.extra = extra


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Params:
    """Typed access to one request's arguments; a bad value answers `invalid_arguments`."""

    def __init__(self, values: dict[str, Any]):
        self.values = values

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) is not None

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def require(self, name: str, error: str = "invalid_arguments") -> str:
        value = self.str(name)
        if not value:
            raise SlackError(error, detail=f"missing required argument: {name}")
        return value

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise SlackError("invalid_arguments", detail=f"{name} is not a boolean")

    def int(self, name: str, default: int) -> int:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments", detail=f"{name} is not an integer") from None

    def json(self, name: str, error: str = "invalid_arguments") -> Any:
        """A structured argument, given either as a JSON value or as JSON text."""
        value = self.values.get(name)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise SlackError(error, detail=f"{name} is not valid JSON") from None
        return value
