"""Settings: one object built from the environment and `.env`, validated at start-up.

A wrong value stops the process with a message naming the key and what it expected. Secret
values are never echoed back, not even in those messages.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

import phonenumbers
from dotenv import dotenv_values

from bot.core.commands import MAX_PARTIES
from bot.core.numbers import DEFAULT_ALLOWED_TYPES, NEVER_ALLOWED_TYPES, TYPE_KEYS, TYPE_WORDS
from bot.observability.logs import redact_url

SECRET_KEYS = frozenset({"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"})
DEFAULT_DATABASE_URL = "sqlite:///web21c-bridge.db"
# The built-in sandbox's mock phones (docs/web21c-sandbox.md) live here; allowed by default
# only while the bridge runs on that sandbox (WEB21C_ENDPOINT unset).
SANDBOX_SIP_DOMAIN = "mockphones.nat.bt.com"
_LABEL = r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the key."""

    def __init__(self, key: str, expected: str, got: str | None = None):
        self.key = key
        shown = "" if got is None or key in SECRET_KEYS else f", got {redact_url(repr(got))}"
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
    allowed_number_types: frozenset[int] = DEFAULT_ALLOWED_TYPES  # phonenumbers types
    sip_allowed_domains: frozenset[str] = frozenset()
    profile_phone_max_age_seconds: float = 600.0
    phone_code_lifetime_seconds: float = 600.0
    sms_max_segments: int = 6
    reply_keyword: str = "bridge"
    log_level: str = "INFO"
    sandbox_port: int = 3001
    sandbox_speed: float = 1.0
    opt_out_reply: str = "You will get no more texts from us. Text START to get them again."
    opt_in_reply: str = "You will get texts from us again. Text STOP to stop them."
    help_reply: str = (
        "You are texting a team on Slack: send your message and someone will answer. "
        "Text STOP to get no more texts, START to get them again."
    )
    work_claim_seconds: float = 30.0  # how soon another worker takes a dead worker's work
    retention_days: int | None = None  # None: texts and call records are kept until forgotten
    reminder_minutes: int | None = 30  # an unanswered text's reminder; None: no reminders
    group_text_max: int = 10  # the most recipients one /sms names
    schedule_grace_minutes: int = 15  # a scheduled text this late after a stop is still sent

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
        urls = (self.database_url, self.web21c_endpoint, self.slack_api_url, self.public_url)
        passwords = [urlsplit(url).password for url in urls if url]
        return [v for v in [*values, *passwords] if v]

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={redact_url(repr(getattr(self, f.name)))}" for f in fields(self) if f.repr
        )
        return f"Settings({shown}, database_url={redact_url(self.database_url)!r})"


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
        allowed_number_types=_number_types(env),
        sip_allowed_domains=_sip_domains(env),
        profile_phone_max_age_seconds=_number(
            env, "PROFILE_PHONE_MAX_AGE_SECONDS", Settings.profile_phone_max_age_seconds
        ),
        phone_code_lifetime_seconds=_number(
            env, "PHONE_CODE_LIFETIME_SECONDS", Settings.phone_code_lifetime_seconds
        ),
        sms_max_segments=int(
            _number(env, "SMS_MAX_SEGMENTS", Settings.sms_max_segments, whole=True)
        ),
        reply_keyword=_keyword(env, "REPLY_KEYWORD", Settings.reply_keyword),
        log_level=_choice(
            env, "LOG_LEVEL", Settings.log_level, ("DEBUG", "INFO", "WARNING", "ERROR")
        ),
        sandbox_port=_port(env, "SANDBOX_PORT", Settings.sandbox_port),
        sandbox_speed=_number(env, "SANDBOX_SPEED", Settings.sandbox_speed),
        opt_out_reply=_reply(env, "OPT_OUT_REPLY", Settings.opt_out_reply, segments=1),
        opt_in_reply=_reply(env, "OPT_IN_REPLY", Settings.opt_in_reply, segments=1),
        help_reply=_reply(env, "HELP_REPLY", Settings.help_reply, segments=3),
        work_claim_seconds=_number(env, "WORK_CLAIM_SECONDS", Settings.work_claim_seconds),
        retention_days=_retention_days(env),
        reminder_minutes=_minutes_or_off(env, "REMINDER_MINUTES", Settings.reminder_minutes),
        group_text_max=_group_text_max(env),
        schedule_grace_minutes=int(
            _number(env, "SCHEDULE_GRACE_MINUTES", Settings.schedule_grace_minutes, whole=True)
        ),
    )


def _reply(env: Mapping[str, str], key: str, default: str, segments: int) -> str:
    """A text the bridge sends back by itself; `off` sends none."""
    from bot.core.sms_text import measure

    value = env.get(key, default)
    if value.lower() == "off":
        return ""
    if measure(value).segments > segments:
        limit = "one SMS segment" if segments == 1 else f"{segments} SMS segments"
        raise ConfigError(key, f"a text of at most {limit} (160 GSM-7 characters each)", value)
    return value


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


def _keyword(env: Mapping[str, str], key: str, default: str) -> str:
    value = env.get(key, default)
    if len(value.split()) != 1:
        raise ConfigError(key, "one word (the first word of a text)", value)
    return value.lower()


def _number_types(env: Mapping[str, str]) -> frozenset[int]:
    value = env.get("ALLOWED_NUMBER_TYPES")
    if value is None:
        return DEFAULT_ALLOWED_TYPES
    expected = "comma-separated number types from " + ", ".join(TYPE_KEYS)
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    if not names:
        raise ConfigError("ALLOWED_NUMBER_TYPES", expected, value)
    kinds = set()
    for name in names:
        if name in ("premium_rate", "shared_cost"):
            raise ConfigError(
                "ALLOWED_NUMBER_TYPES", "no premium_rate or shared_cost: those are never allowed"
            )
        if name not in TYPE_KEYS:
            raise ConfigError("ALLOWED_NUMBER_TYPES", expected, name)
        kinds.add(TYPE_KEYS[name])
    assert not kinds & NEVER_ALLOWED_TYPES and all(kind in TYPE_WORDS for kind in kinds)
    return frozenset(kinds)


def _sip_domains(env: Mapping[str, str]) -> frozenset[str]:
    """SIP_ALLOWED_DOMAINS, or by default none, except the sandbox's mock phones when the
    bridge runs on its built-in sandbox (no WEB21C_ENDPOINT): they cost nothing."""
    value = env.get("SIP_ALLOWED_DOMAINS")
    if value is None:
        return frozenset() if env.get("WEB21C_ENDPOINT") else frozenset({SANDBOX_SIP_DOMAIN})
    domains = [part.strip().lower() for part in value.split(",") if part.strip()]
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise ConfigError(
                "SIP_ALLOWED_DOMAINS", "comma-separated host names such as pbx.example.com", domain
            )
    return frozenset(domains)


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


MAX_REMINDER_MINUTES = 7 * 24 * 60


def _minutes_or_off(env: Mapping[str, str], key: str, default: int | None) -> int | None:
    """A whole number of minutes; 0 or `off` turns the feature off."""
    value = env.get(key)
    if value is None:
        return default
    if value.lower() in ("0", "off"):
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_REMINDER_MINUTES:
        raise ConfigError(
            key, f"a whole number of minutes from 1 to {MAX_REMINDER_MINUTES}, or 0 for off", value
        )
    return int(value)


def _group_text_max(env: Mapping[str, str]) -> int:
    """GROUP_TEXT_MAX: 1 turns group texts off; the grammar never names more than MAX_PARTIES."""
    value = env.get("GROUP_TEXT_MAX")
    if value is None:
        return Settings.group_text_max
    if not value.isdigit() or not 1 <= int(value) <= MAX_PARTIES:
        raise ConfigError("GROUP_TEXT_MAX", f"a whole number from 1 to {MAX_PARTIES}", value)
    return int(value)
