"""/phone and the directory with fakes at the ports and a real SQLite database: codes,
expiry, wrong tries and cooling-off on the services' clock; profile phones re-read."""

from __future__ import annotations

import re

import pytest

from bot.core.commands import NumberTarget, UserTarget
from bot.core.domain import ServiceUnavailable
from bot.services.errors import Rejected
from bot.services.verification import (
    COOLING_OFF,
    MAX_WRONG_CODES,
    PER_NUMBER_WINDOW,
    RESEND_AFTER,
)
from tests.unit.services.conftest import ADMIN


def _code(telephony, number: str) -> str:
    texts = [t.text for t in telephony.sent if t.recipients == [f"tel:{number}"]]
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


def _owner(services, number: str) -> str | None:
    return services.directory.user_with(number)


def test_a_registered_number_is_proven_by_its_code(services, telephony):
    answer = services.directory.register("UNOPHONE", None, "07700 900123")
    assert answer.startswith("A code is on its way to +447700900123 by text.")
    assert _owner(services, "+447700900123") is None
    with pytest.raises(Rejected, match="has not verified it yet"):
        services.directory.number_of("UNOPHONE")
    code = _code(telephony, "+447700900123")
    assert telephony.sent[-1].sender == "Web21C"
    assert services.directory.verify("UNOPHONE", code) == (
        "Verified: your number is now +447700900123."
    )
    assert _owner(services, "+447700900123") == "UNOPHONE"
    assert services.directory.number_of("UNOPHONE").e164 == "+447700900123"
    with services.db.transaction() as tx:
        actions = [e.action for e in tx.audit.recent()]
        stored = tx.connection.exec_driver_sql("select * from phone_verifications").all()
    assert actions[:2] == ["phone.verify", "phone.code_sent"]
    assert stored == []  # done: nothing pending, no code kept


def test_the_code_is_stored_only_hashed(services, telephony):
    services.directory.register("UNOPHONE", None, "07700 900123")
    code = _code(telephony, "+447700900123")
    with services.db.transaction() as tx:
        pending = tx.verifications.pending("UNOPHONE")
    assert code not in pending.code_hash


def test_an_unverified_registration_does_not_ring_its_user(services, telephony):
    services.directory.register("UNOPHONE", None, "07700 900123")
    with pytest.raises(Rejected, match="registered \\+447700900123 but has not verified it"):
        services.calls.place("UNOPHONE", "C1", (NumberTarget("07700900001"),))
    assert telephony.calls == {}


def test_a_code_expires(services, telephony, clock):
    services.directory.register("UNOPHONE", None, "07700 900123")
    code = _code(telephony, "+447700900123")
    clock.advance(10 * 60)
    with pytest.raises(Rejected, match="That code has expired"):
        services.directory.verify("UNOPHONE", code)
    assert _owner(services, "+447700900123") is None


def test_wrong_codes_lock_out_then_the_cooling_off_ends(services, telephony, clock):
    services.directory.register("UNOPHONE", None, "07700 900123")
    code = _code(telephony, "+447700900123")
    wrong = "000000" if code != "000000" else "111111"
    for left in range(MAX_WRONG_CODES - 1, 0, -1):
        with pytest.raises(Rejected, match=f"; {left} tr"):
            services.directory.verify("UNOPHONE", wrong)
    with pytest.raises(Rejected, match="that was the last try"):
        services.directory.verify("UNOPHONE", wrong)
    with pytest.raises(Rejected, match="Too many wrong codes"):
        services.directory.verify("UNOPHONE", code)  # even the right one, now
    with pytest.raises(Rejected, match="Too many wrong codes"):
        services.directory.register("UNOPHONE", None, "07700 900123")
    clock.advance(COOLING_OFF.total_seconds())
    assert "A code is on its way" in services.directory.register("UNOPHONE", None, "07700 900123")
    fresh = _code(telephony, "+447700900123")
    assert "Verified" in services.directory.verify("UNOPHONE", fresh)


def test_a_new_code_does_not_buy_more_guesses(services, telephony, clock):
    services.directory.register("UNOPHONE", None, "07700 900123")
    for _ in range(MAX_WRONG_CODES - 1):
        with pytest.raises(Rejected, match="Wrong code"):
            services.directory.verify("UNOPHONE", "0000")
    with pytest.raises(Rejected, match="moments ago"):  # and codes can't be asked for in a loop
        services.directory.register("UNOPHONE", None, "07700 900123")
    clock.advance(RESEND_AFTER.total_seconds())
    services.directory.register("UNOPHONE", None, "07700 900123")
    with pytest.raises(Rejected, match="that was the last try"):
        services.directory.verify("UNOPHONE", "0000")


def test_a_code_that_could_not_be_texted_is_void_and_may_be_asked_for_again(services, telephony):
    telephony.failure = ServiceUnavailable("Web21C did not answer")
    with pytest.raises(Rejected, match="No code could be texted to \\+447700900123"):
        services.directory.register("UNOPHONE", None, "07700 900123")
    with pytest.raises(Rejected, match="There is no valid code"):
        services.directory.verify("UNOPHONE", "123456")
    assert "A code is on its way" in services.directory.register("UNOPHONE", None, "07700 900123")


def test_many_accounts_cannot_flood_one_number_with_codes(services, telephony, clock):
    for user in ("U1", "U2", "U3"):
        services.chat.add_user(user, user.lower(), None)
    services.directory.register("U1", None, "07700 900123")
    services.directory.register("U2", None, "07700 900123")
    with pytest.raises(Rejected, match="for other people in the last hour"):
        services.directory.register("U3", None, "07700 900123")
    assert len(telephony.sent) == 2
    clock.advance(PER_NUMBER_WINDOW.total_seconds())
    assert "on its way" in services.directory.register("U3", None, "07700 900123")


def test_no_code_goes_to_a_number_that_opted_out(services, telephony, clock):
    with services.db.transaction() as tx:
        tx.opt_outs.opt_out("+447700900123", "STOP", clock.now())
    with pytest.raises(Rejected, match="has opted out"):
        services.directory.register("UNOPHONE", None, "07700 900123")
    assert telephony.sent == []


def test_registration_runs_the_number_policy(services, telephony):
    with pytest.raises(Rejected, match="is a personal number"):
        services.directory.register("UNOPHONE", None, "070 1234 5678")
    with pytest.raises(Rejected, match="premium-rate"):
        services.directory.register("UNOPHONE", None, "09065 123456")
    assert telephony.sent == []


def test_an_admin_sets_numbers_without_a_code_and_it_is_audited(services, telephony):
    answer = services.directory.register(ADMIN, UserTarget("UNOPHONE"), "07700 900123")
    assert "set by you as an admin, audited" in answer
    assert telephony.sent == []
    assert _owner(services, "+447700900123") == "UNOPHONE"
    assert "(set by an admin)" in services.directory.show("UNOPHONE", None)
    with services.db.transaction() as tx:
        (entry, *_) = tx.audit.recent()
    assert (entry.actor, entry.action, entry.target, entry.detail) == (
        ADMIN,
        "phone.set_by_admin",
        "UNOPHONE",
        "+447700900123",
    )
    with pytest.raises(Rejected, match="Only admins"):
        services.directory.register("UALICE", UserTarget("UNOPHONE"), "07700 900124")


def test_a_profile_phone_is_read_again_once_old(services, chat, clock):
    assert services.directory.number_of("UALICE").e164 == "+447700900001"
    chat.users["UALICE"]["phone"] = "07700 900002"
    clock.advance(services.directory.profile_max_age_seconds - 1)
    assert services.directory.number_of("UALICE").e164 == "+447700900001"  # cached, still young
    clock.advance(1)
    assert services.directory.number_of("UALICE").e164 == "+447700900002"
    chat.users["UALICE"]["phone"] = None
    clock.advance(services.directory.profile_max_age_seconds)
    assert services.directory.number_of("UALICE") is None
    assert services.directory.show("UALICE", None).startswith("You have no known number")


def test_a_profile_phone_proves_nothing(services):
    assert "(from the Slack profile" in services.directory.show("UALICE", None)
    assert "(from the Slack profile" in services.directory.show("UALICE", None)  # still
    assert _owner(services, "+447700900001") is None


def test_a_verified_number_outlives_profile_changes(services, telephony, chat, clock):
    services.directory.register("UALICE", None, "07700 900123")
    services.directory.verify("UALICE", _code(telephony, "+447700900123"))
    chat.users["UALICE"]["phone"] = "07700 900002"
    clock.advance(services.directory.profile_max_age_seconds * 2)
    assert services.directory.number_of("UALICE").e164 == "+447700900123"
    assert "(verified with /phone)" in services.directory.show("UALICE", None)
