"""Settings: one object built from the environment and `.env`, validated at start-up.

A wrong value stops the process with a message naming the key and what it expected. Secret
values are never echoed back, not even in those messages.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

import phonenumbers
from dotenv import dotenv_values

SECRET_KEYS = frozenset({"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"})
DEFAULT_DATABASE_URL = "sqlite:///web21c-bridge.db"


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the key."""

    def __init__(self, key: str, expected: str, got: str | None = None):
        self.key = key
        shown = "" if got is None or key in SECRET_KEYS else f", got {got!r}"
        super().__init__(f"{key}: expected {expected}{shown}")


@dataclass(frozen=True)
class Settings:
    """Everything the bridge reads from its environment. Secrets are kept out of repr()."""

    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = "https://slack.com/api/"
    web21c_endpoint: str | None = None
    web21c_key_file: Path | None = None
    web21c_cert_file: Path | None = None
    web21c_from: str = "Web21C"
    web21c_connect_timeout: float = 5.0
    web21c_read_timeout: float = 30.0
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    host: str = "127.0.0.1"
    port: int = 3000
    public_url: str | None = None
    poll_interval_seconds: float = 5.0
    admin_user_ids: frozenset[str] = frozenset()
    default_region: str = "GB"
    allowed_countries: frozenset[str] = frozenset({"GB"})
    sms_max_segments: int = 6
    log_level: str = "INFO"
    sandbox_port: int = 3001
    sandbox_speed: float = 1.0
    retention_days: int | None = None  # None: texts and call records are kept until forgotten

    @property
    def slack_configured(self) -> bool:
        """True when the bridge has what it needs to talk to a real Slack workspace."""
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def secrets(self) -> list[str]:
        """Values that must never reach a log line (see bot.observability.logs)."""
        values = [self.slack_bot_token, self.slack_signing_secret, self.slack_app_token]
        password = urlsplit(self.database_url).password
        return [v for v in [*values, password] if v]

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
        return f"Settings({shown}, database_url={redact_url(self.database_url)!r})"


def redact_url(url: str) -> str:
    """The URL with any password replaced, for logs and messages."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = ".env"
) -> Settings:
    """Build Settings from `.env` overlaid by the process environment (the environment wins)."""
    raw: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        raw.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    raw.update(os.environ if environ is None else environ)
    env = {k: v.strip() for k, v in raw.items() if v is not None and v.strip() != ""}
    return _parse(env)


def _parse(env: Mapping[str, str]) -> Settings:
    key_file = _path(env, "WEB21C_KEY_FILE")
    cert_file = _path(env, "WEB21C_CERT_FILE")
    if bool(key_file) != bool(cert_file):
        missing = "WEB21C_CERT_FILE" if key_file else "WEB21C_KEY_FILE"
        raise ConfigError(missing, "to be set too: signing needs both the key and the certificate")
    return Settings(
        slack_bot_token=_token(env, "SLACK_BOT_TOKEN", "xoxb-"),
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET"),
        slack_app_token=_token(env, "SLACK_APP_TOKEN", "xapp-"),
        slack_api_url=_url(env, "SLACK_API_URL", Settings.slack_api_url, trailing_slash=True),
        web21c_endpoint=_url(env, "WEB21C_ENDPOINT", None),
        web21c_key_file=key_file,
        web21c_cert_file=cert_file,
        web21c_from=env.get("WEB21C_FROM", Settings.web21c_from),
        web21c_connect_timeout=_number(
            env, "WEB21C_CONNECT_TIMEOUT", Settings.web21c_connect_timeout
        ),
        web21c_read_timeout=_number(env, "WEB21C_READ_TIMEOUT", Settings.web21c_read_timeout),
        database_url=_database_url(env),
        host=env.get("HOST", Settings.host),
        port=_port(env, "PORT", Settings.port),
        public_url=_url(env, "PUBLIC_URL", None),
        poll_interval_seconds=_number(env, "POLL_INTERVAL_SECONDS", Settings.poll_interval_seconds),
        admin_user_ids=_user_ids(env),
        default_region=_region(env, "DEFAULT_REGION", Settings.default_region),
        allowed_countries=_regions(env, "ALLOWED_COUNTRIES", Settings.allowed_countries),
        sms_max_segments=int(
            _number(env, "SMS_MAX_SEGMENTS", Settings.sms_max_segments, whole=True)
        ),
        log_level=_choice(
            env, "LOG_LEVEL", Settings.log_level, ("DEBUG", "INFO", "WARNING", "ERROR")
        ),
        sandbox_port=_port(env, "SANDBOX_PORT", Settings.sandbox_port),
        sandbox_speed=_number(env, "SANDBOX_SPEED", Settings.sandbox_speed),
        retention_days=_retention_days(env),
    )


def _token(env: Mapping[str, str], key: str, prefix: str) -> str | None:
    value = env.get(key)
    if value is not None and not value.startswith(prefix):
        raise ConfigError(key, f"a token starting with {prefix!r}")
    return value


def _url(
    env: Mapping[str, str], key: str, default: str | None, trailing_slash: bool = False
) -> str | None:
    value = env.get(key)
    if value is None:
        return default
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(key, "an http:// or https:// URL with a host", value)
    if trailing_slash and not value.endswith("/"):
        value += "/"
    if not trailing_slash:
        value = value.rstrip("/")
    return value


def _number(env: Mapping[str, str], key: str, default: float, whole: bool = False) -> float:
    value = env.get(key)
    if value is None:
        return default
    kind = "a whole number greater than 0" if whole else "a number greater than 0"
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        raise ConfigError(key, kind, value) from None
    if number <= 0 or number != number:  # rejects NaN too
        raise ConfigError(key, kind, value)
    return number


def _port(env: Mapping[str, str], key: str, default: int) -> int:
    value = env.get(key)
    if value is None:
        return default
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise ConfigError(key, "a whole number from 0 to 65535 (0 picks a free port)", value)
    return int(value)


def _path(env: Mapping[str, str], key: str) -> Path | None:
    value = env.get(key)
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise ConfigError(key, "the path of a readable PEM file", value)
    return path


def _database_url(env: Mapping[str, str]) -> str:
    value = env.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    scheme = value.split(":", 1)[0].split("+", 1)[0]
    if "://" not in value or scheme not in ("sqlite", "postgresql", "postgres"):
        raise ConfigError(
            "DATABASE_URL", "a sqlite:///path or postgresql://user@host/db URL", redact_url(value)
        )
    if scheme == "postgres":  # Heroku-style spelling
        value = "postgresql" + value[len("postgres") :]
    if value.startswith("postgresql://"):
        value = "postgresql+psycopg://" + value[len("postgresql://") :]
    return value


def _user_ids(env: Mapping[str, str]) -> frozenset[str]:
    ids = [part.strip() for part in env.get("ADMIN_USER_IDS", "").split(",") if part.strip()]
    for user_id in ids:
        if not (user_id[:1] in ("U", "W") and user_id.isalnum() and user_id.isupper()):
            raise ConfigError(
                "ADMIN_USER_IDS", "comma-separated Slack user ids like U012AB3CD", user_id
            )
    return frozenset(ids)


def _region(env: Mapping[str, str], key: str, default: str) -> str:
    value = env.get(key, default).upper()
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(key, "a two-letter region code such as GB or US", value)
    return value


def _regions(env: Mapping[str, str], key: str, default: frozenset[str]) -> frozenset[str]:
    value = env.get(key)
    if value is None:
        return default
    regions = [part.strip().upper() for part in value.split(",") if part.strip()]
    if not regions:
        raise ConfigError(key, "comma-separated region codes such as GB,IE", value)
    for region in regions:
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(key, "comma-separated region codes such as GB,IE", region)
    return frozenset(regions)


def _choice(env: Mapping[str, str], key: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(key, default).upper()
    if value not in choices:
        raise ConfigError(key, "one of " + ", ".join(choices), value)
    return value


MAX_RETENTION_DAYS = 36_500


def _retention_days(env: Mapping[str, str]) -> int | None:
    """RETENTION_DAYS: unset or `off` keeps everything; a number of days deletes older texts."""
    value = env.get("RETENTION_DAYS")
    if value is None or value.lower() == "off":
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_RETENTION_DAYS:
        raise ConfigError(
            "RETENTION_DAYS",
            f"a whole number of days from 1 to {MAX_RETENTION_DAYS}, or off",
            value,
        )
    return int(value)
