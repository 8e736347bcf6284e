import logging

from bot.observability.logs import RedactSecrets


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
