from bot.config import ConfigError, load_settings


def test_a_password_in_any_url_setting_is_a_secret_and_never_shown():
    settings = load_settings(
        {
            "WEB21C_ENDPOINT": "https://bridge:endpoint-pw@web21c.example",
            "PUBLIC_URL": "https://hook:public-pw@bridge.example",
            "DATABASE_URL": "postgresql://bridge:db-pw@db.example/bridge",
        },
        dotenv_path=None,
    )
    assert {"endpoint-pw", "public-pw", "db-pw"} <= set(settings.secrets)
    shown = repr(settings)
    assert "-pw" not in shown
    assert "https://bridge:***@web21c.example" in shown


def test_a_bad_url_setting_is_named_without_its_password():
    try:
        load_settings({"WEB21C_ENDPOINT": "ftp://bridge:endpoint-pw@web21c.example"}, None)
    except ConfigError as error:
        assert "WEB21C_ENDPOINT" in str(error) and "endpoint-pw" not in str(error)
    else:
        raise AssertionError("an ftp:// endpoint was accepted")
