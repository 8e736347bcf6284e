"""Third-party calls: a timeline worked out when the call is made, read lazily at any time.

The calling party is rung first; once it answers, the called party is rung. Each leg rings
for at most `dial_timeout` before counting as unavailable. Once both are up the call lasts
until either party hangs up (its phone's `hold`) or the controller ends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.web21c.sandbox.phones import Phone
from bot.core.domain import CallStatus, CallTerminationCause

DEFAULT_DIAL_TIMEOUT_SECONDS = 30
FOREVER = float("inf")


@dataclass(frozen=True)
class Ringing:
    """How one leg turns out when rung at `start`: answered at `answered`, or failed at `failed`."""

    answered: float | None
    failed: float | None


def ring(phone: Phone, start: float, dial_timeout: float) -> Ringing:
    if phone.unavailable_after is not None:
        return Ringing(None, start + min(phone.unavailable_after, dial_timeout))
    if phone.answers_after is None or phone.answers_after > dial_timeout:
        return Ringing(None, start + dial_timeout)
    return Ringing(start + phone.answers_after, None)


def hang_up_time(phone: Phone, answered: float) -> float:
    return FOREVER if phone.hold is None else answered + phone.hold


@dataclass(frozen=True)
class CallPlan:
    """What happens to a call left alone: when it connects (if ever), ends, and why."""

    connected: float | None
    ended: float
    cause: CallTerminationCause


def plan_call(calling: Phone, called: Phone, start: float, dial_timeout: float) -> CallPlan:
    first = ring(calling, start, dial_timeout)
    if first.answered is None:
        return CallPlan(None, first.failed or start, CallTerminationCause.CALLING_PARTY_UNAVAILABLE)
    calling_hangs_up = hang_up_time(calling, first.answered)
    second = ring(called, first.answered, dial_timeout)
    if second.answered is None:
        failed = second.failed or first.answered
        if calling_hangs_up < failed:
            return CallPlan(None, calling_hangs_up, CallTerminationCause.CALLING_PARTY_HUNG_UP)
        return CallPlan(None, failed, CallTerminationCause.CALLED_PARTY_UNAVAILABLE)
    if calling_hangs_up <= second.answered:
        return CallPlan(None, calling_hangs_up, CallTerminationCause.CALLING_PARTY_HUNG_UP)
    called_hangs_up = hang_up_time(called, second.answered)
    if calling_hangs_up <= called_hangs_up:
        return CallPlan(
            second.answered, calling_hangs_up, CallTerminationCause.CALLING_PARTY_HUNG_UP
        )
    return CallPlan(second.answered, called_hangs_up, CallTerminationCause.CALLED_PARTY_HUNG_UP)


@dataclass(frozen=True)
class CallState:
    status: CallStatus
    cause: CallTerminationCause
    connected: float | None
    duration: int


@dataclass
class Call:
    call_id: str
    calling_party: str
    called_party: str
    dial_timeout: int
    created: float
    plan: CallPlan
    ended_by_controller: float | None = None

    def _end(self) -> tuple[float, CallTerminationCause]:
        if self.ended_by_controller is not None and self.ended_by_controller < self.plan.ended:
            return self.ended_by_controller, CallTerminationCause.TERMINATED_BY_CONTROLLER
        return self.plan.ended, self.plan.cause

    def state(self, now: float) -> CallState:
        ended, cause = self._end()
        connected = self.plan.connected
        if connected is not None and connected >= ended:  # ended before it ever connected
            connected = None
        started = connected is not None and connected <= now
        if ended <= now:
            duration = int(ended - connected) if connected is not None else 0
            return CallState(CallStatus.TERMINATED, cause, connected, duration)
        if started:
            return CallState(
                CallStatus.CONNECTED,
                CallTerminationCause.NOT_TERMINATED,
                connected,
                int(now - connected),  # type: ignore[operator]
            )
        return CallState(CallStatus.INITIAL, CallTerminationCause.NOT_TERMINATED, None, 0)

    def end(self, now: float) -> None:
        """endCall: the controller ends the call now, unless it has already ended."""
        if self.ended_by_controller is None and now < self._end()[0]:
            self.ended_by_controller = now
