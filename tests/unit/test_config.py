import pytest

from bot.config import ConfigError, load_settings


def settings(**env):
    return load_settings(env, dotenv_path=None)


def test_defaults_need_no_configuration():
    s = settings()
    assert s.port == 3000
    assert s.database_url == "sqlite:///web21c-bridge.db"
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.web21c_endpoint is None
    assert not s.slack_configured


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("PORT", "abc", "PORT: expected a whole number from 0 to 65535"),
        ("PORT", "70000", "PORT: expected a whole number"),
        ("WEB21C_ENDPOINT", "not a url", "WEB21C_ENDPOINT: expected an http:// or https:// URL"),
        ("SLACK_API_URL", "ftp://x/", "SLACK_API_URL: expected an http:// or https:// URL"),
        ("PUBLIC_URL", "https://", "PUBLIC_URL: expected an http:// or https:// URL"),
        ("POLL_INTERVAL_SECONDS", "-1", "POLL_INTERVAL_SECONDS: expected a number greater than 0"),
        ("POLL_INTERVAL_SECONDS", "nan", "POLL_INTERVAL_SECONDS: expected a number greater than 0"),
        ("DEFAULT_REGION", "XX", "DEFAULT_REGION: expected a two-letter region code"),
        ("ALLOWED_COUNTRIES", "GB,ZZ", "ALLOWED_COUNTRIES: expected comma-separated region codes"),
        ("ADMIN_USER_IDS", "alice", "ADMIN_USER_IDS: expected comma-separated Slack user ids"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL: expected a sqlite:///path or postgresql"),
        ("WEB21C_KEY_FILE", "/nonexistent.pem", "WEB21C_KEY_FILE: expected the path of a readable"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL: expected one of DEBUG"),
    ],
)
def test_a_wrong_value_names_the_key_and_what_it_expected(key, value, expected):
    with pytest.raises(ConfigError) as error:
        settings(**{key: value})
    assert str(error.value).startswith(expected)
    assert error.value.key == key


def test_a_secret_never_appears_in_its_error_message():
    with pytest.raises(ConfigError) as error:
        settings(SLACK_BOT_TOKEN="not-a-bot-token-s3cr3t")
    assert "s3cr3t" not in str(error.value)
    assert "SLACK_BOT_TOKEN" in str(error.value)


def test_a_database_password_never_appears_in_repr_or_errors():
    s = settings(DATABASE_URL="postgresql://bridge:hunter22@127.0.0.1/bridge")
    assert "hunter22" not in repr(s)
    assert s.database_url.startswith("postgresql+psycopg://")
    with pytest.raises(ConfigError) as error:
        settings(DATABASE_URL="mysql://bridge:hunter22@127.0.0.1/bridge")
    assert "hunter22" not in str(error.value)


def test_tokens_are_kept_out_of_repr():
    s = settings(SLACK_BOT_TOKEN="xoxb-123-secret", SLACK_SIGNING_SECRET="sig-secret")
    assert "secret" not in repr(s)
    assert s.slack_configured


def test_lists_and_urls_are_normalised():
    s = settings(
        ADMIN_USER_IDS="U01, W02",
        ALLOWED_COUNTRIES="gb, ie",
        SLACK_API_URL="http://127.0.0.1:9999/api",
        WEB21C_ENDPOINT="http://127.0.0.1:8080/",
    )
    assert s.admin_user_ids == {"U01", "W02"}
    assert s.allowed_countries == {"GB", "IE"}
    assert s.slack_api_url == "http://127.0.0.1:9999/api/"
    assert s.web21c_endpoint == "http://127.0.0.1:8080"


def test_key_and_certificate_come_together(tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("x")
    with pytest.raises(ConfigError, match="WEB21C_CERT_FILE"):
        settings(WEB21C_KEY_FILE=str(key))


def test_dotenv_is_read_and_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("PORT=4000\nWEB21C_FROM=FromDotenv\n")
    s = load_settings({"PORT": "5000"}, dotenv_path=dotenv)
    assert s.port == 5000
    assert s.web21c_from == "FromDotenv"


def test_number_types_and_sip_domains():
    from phonenumbers import PhoneNumberType as T

    from bot.config import SANDBOX_SIP_DOMAIN
    from bot.core.numbers import DEFAULT_ALLOWED_TYPES

    assert settings().allowed_number_types == DEFAULT_ALLOWED_TYPES
    assert settings(ALLOWED_NUMBER_TYPES="Mobile, pager").allowed_number_types == {
        T.MOBILE,
        T.PAGER,
    }
    # The built-in sandbox's mock phones only while the bridge runs on it:
    assert settings().sip_allowed_domains == {SANDBOX_SIP_DOMAIN}
    assert settings(WEB21C_ENDPOINT="https://web21c.example").sip_allowed_domains == set()
    assert settings(SIP_ALLOWED_DOMAINS="PBX.example.com, sip.example").sip_allowed_domains == {
        "pbx.example.com",
        "sip.example",
    }
    assert settings(PROFILE_PHONE_MAX_AGE_SECONDS="30").profile_phone_max_age_seconds == 30
    assert settings(PHONE_CODE_LIFETIME_SECONDS="120").phone_code_lifetime_seconds == 120


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("ALLOWED_NUMBER_TYPES", "mobile,premium_rate", "those are never allowed"),
        ("ALLOWED_NUMBER_TYPES", "shared_cost", "those are never allowed"),
        ("ALLOWED_NUMBER_TYPES", "mobile,landline", "expected comma-separated number types"),
        ("ALLOWED_NUMBER_TYPES", ",", "expected comma-separated number types"),
        ("SIP_ALLOWED_DOMAINS", "pbx.example.com,not a host", "expected comma-separated host"),
        ("PROFILE_PHONE_MAX_AGE_SECONDS", "0", "expected a number greater than 0"),
        ("PHONE_CODE_LIFETIME_SECONDS", "soon", "expected a number greater than 0"),
    ],
)
def test_bad_identity_and_policy_values_name_the_key(key, value, expected):
    with pytest.raises(ConfigError, match=expected) as refused:
        settings(**{key: value})
    assert str(refused.value).startswith(key)


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("REMINDER_MINUTES", "-5", "a whole number of minutes from 1 to 10080, or 0 for off"),
        ("REMINDER_MINUTES", "20000", "a whole number of minutes from 1 to 10080"),
        ("REMINDER_MINUTES", "half an hour", "a whole number of minutes"),
        ("GROUP_TEXT_MAX", "0", "a whole number from 1 to 10"),
        ("GROUP_TEXT_MAX", "11", "a whole number from 1 to 10"),
        ("SCHEDULE_GRACE_MINUTES", "0", "a whole number greater than 0"),
        ("SCHEDULE_GRACE_MINUTES", "1.5", "a whole number greater than 0"),
    ],
)
def test_bad_inbox_and_schedule_settings_name_the_key(key, value, expected):
    with pytest.raises(ConfigError, match=expected) as refused:
        load_settings({key: value}, dotenv_path=None)
    assert key in str(refused.value)


def test_inbox_and_schedule_settings():
    settings = load_settings(
        {"REMINDER_MINUTES": "off", "GROUP_TEXT_MAX": "3", "SCHEDULE_GRACE_MINUTES": "5"},
        dotenv_path=None,
    )
    assert settings.reminder_minutes is None
    assert (settings.group_text_max, settings.schedule_grace_minutes) == (3, 5)
    assert load_settings({"REMINDER_MINUTES": "0"}, dotenv_path=None).reminder_minutes is None
