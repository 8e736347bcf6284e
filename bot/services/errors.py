"""Errors a service raises to tell the person who asked why nothing happened."""

from __future__ import annotations


class Rejected(Exception):
    """The request cannot be carried out; the message is written for the user to read."""
