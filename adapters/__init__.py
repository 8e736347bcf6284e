"""Adapters: the outside world (Web21C over SOAP) behind the ports of bot.core.ports."""
