"""Telephony errors in words a Slack user can act on.

OutcomeUnknown is asked for first: it is a ServiceUnavailable, but "can't be reached, try
again" would be false for it (Web21C got the request) and trying again may do it twice. The
services that make writes say what it means for their write (bot.services.messaging, calls,
conferences); `explain` is the sentence for any other.

A fault string is Web21C's own words: escaped, so a hostile or broken service cannot put
markup in front of people.
"""

from __future__ import annotations

from bot.core.domain import (
    InvalidArgument,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    ServiceUnavailable,
    TelephonyError,
)
from bot.core.mrkdwn import escape

NO_ANSWER = "Web21C did not answer"


def explain(error: TelephonyError) -> str:
    if isinstance(error, OutcomeUnknown):
        return (
            f"{NO_ANSWER}, so the bridge can't tell whether it was done; check before you "
            "try again."
        )
    if isinstance(error, ServiceUnavailable):
        return "Web21C can't be reached right now; try again in a minute."
    if isinstance(error, PermissionDenied):
        return "Web21C refused the bridge's credentials; an admin should check its certificate."
    if isinstance(error, InvalidArgument):
        return f"Web21C rejected the request ({escape(error.fault_string)})."
    if isinstance(error, NotFound):
        return "Web21C no longer knows about it (it may have ended already)."
    return f"Web21C failed ({escape(error.fault_string)}); try again in a minute."
