"""The console front end's names, as the rest of the bridge imports them (see __init__)."""

from bot.console.chat import CONSOLE_CHANNEL, CONSOLE_USER, ConsoleChat
from bot.console.handler import Console

__all__ = ["CONSOLE_CHANNEL", "CONSOLE_USER", "Console", "ConsoleChat"]
