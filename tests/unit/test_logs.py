import logging

from bot.observability.logs import RedactSecrets, redact_url, redact_urls


def test_secrets_are_blanked_from_messages_arguments_and_tracebacks():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    logger = logging.getLogger("test.redaction")
    handler = Keep()
    handler.addFilter(RedactSecrets(["xoxb-very-secret", "hunter22"]))
    logger.addHandler(handler)
    try:
        logger.error("token %s in use", "xoxb-very-secret")
        try:
            raise RuntimeError("password hunter22 rejected")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = "\n".join(records)
    assert "token *** in use" in text
    assert "xoxb-very-secret" not in text
    assert "hunter22" not in text
    assert "RuntimeError" in text


def test_credentials_in_any_url_are_redacted_with_or_without_configured_secrets():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    logger = logging.getLogger("test.url_redaction")
    handler = Keep()
    handler.addFilter(RedactSecrets([]))  # no secret configured: URLs are still cleaned
    logger.addHandler(handler)
    try:
        logger.warning("Web21C did not answer (%s)", "http://user:pa55w0rd@10.0.0.1:80/endpoint")
        try:
            raise ConnectionError("postgresql://bridge:hunter22@db/bridge refused")
        except ConnectionError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = "\n".join(records)
    assert "pa55w0rd" not in text and "hunter22" not in text
    assert "http://user:***@10.0.0.1:80/endpoint" in text
    assert "postgresql://bridge:***@db/bridge" in text


def test_redact_url_keeps_everything_but_the_secret():
    assert redact_url("http://user:p@ss@host:8080/x?y=1") == "http://user:***@host:8080/x?y=1"
    assert redact_url("https://xoxtoken@host/api") == "https://***@host/api"
    assert redact_url("https://host/api/") == "https://host/api/"
    assert redact_urls("see http://a:b@h/ and mail bob@example.com") == (
        "see http://a:***@h/ and mail bob@example.com"
    )
