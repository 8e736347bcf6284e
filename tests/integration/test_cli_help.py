"""Every subcommand's --help says what it is for, its options and their defaults."""

from __future__ import annotations

import pytest

from bot.cli.main import main

SUBCOMMANDS = {
    ("run",): ["HTTP server", "console", "SANDBOX_PORT (default 3001)", "127.0.0.1:3000"],
    ("web",): ["Only the HTTP server", "SLACK_SIGNING_SECRET", "127.0.0.1:3000"],
    ("worker",): ["work queue", "PostgreSQL"],
    ("console",): ["terminal", "reply, press, invite", "(default 3001)"],
    ("doctor",): ["ports are free", "creates no database file", "Exit status 0"],
    ("sandbox-text",): ["sender", "--sandbox", "keyword"],
    ("sandbox",): ["--port", "(default: 8021)", "(default: 1.0)", "--require-signature"],
    ("db",): ["upgrade", "downgrade"],
    ("db", "upgrade"): ["DATABASE_URL", "Procfile's release step"],
    ("db", "downgrade"): ["REVISION", "base"],
}


@pytest.mark.parametrize("command", SUBCOMMANDS, ids=" ".join)
def test_each_subcommand_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for words in SUBCOMMANDS[command]:
        assert words in shown, f"{words!r} not in: {shown}"
    assert "(default: None)" not in shown
    assert len(shown) > len(f"usage: web21c-bridge {' '.join(command)} [-h]") + 100
