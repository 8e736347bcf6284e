"""RETENTION_DAYS: off unless set, and a wrong value names the key."""

import pytest

from bot.config import ConfigError, load_settings


def settings(**env):
    return load_settings(env, dotenv_path=None)


def test_retention_is_off_unless_set():
    assert settings().retention_days is None
    assert settings(RETENTION_DAYS="off").retention_days is None
    assert settings(RETENTION_DAYS="OFF").retention_days is None


def test_retention_days_is_a_whole_number_of_days():
    assert settings(RETENTION_DAYS="30").retention_days == 30


@pytest.mark.parametrize("value", ["0", "-3", "1.5", "thirty", "36501"])
def test_a_wrong_retention_names_the_key_and_what_it_expected(value):
    with pytest.raises(ConfigError) as raised:
        settings(RETENTION_DAYS=value)
    assert str(raised.value) == (
        f"RETENTION_DAYS: expected a whole number of days from 1 to 36500, or off, got {value!r}"
    )
