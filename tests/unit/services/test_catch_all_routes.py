"""The Routes service with the catch-all, the words no route may take, and calls to a number
that texted STOP."""

import pytest

from bot.core.commands import NumberTarget
from bot.services.errors import Rejected
from tests.unit.services.conftest import ADMIN, CHANNEL


def test_the_catch_all_is_set_listed_and_removed(services):
    answer = services.routes.set(ADMIN, "*", None, "CINBOX")
    assert answer == "Texts under any keyword no other route takes now arrive in <#CINBOX>."
    listing = services.routes.describe()
    assert "`*` (every other keyword) → <#CINBOX>" in listing
    answer = services.routes.remove(ADMIN, "*")
    assert "catch-all route is gone" in answer
    assert services.routes.describe().startswith("No keywords are routed yet.")
    assert services.routes.remove(ADMIN, "*") == "There was no catch-all route."


def test_routes_list_says_when_there_is_no_catch_all(services):
    services.routes.set(ADMIN, "pizza", None, "COPS")
    listing = services.routes.describe()
    assert "`PIZZA` → <#COPS>" in listing and "no catch-all" in listing


@pytest.mark.parametrize("word", ["stop", "start", "unsubscribe", "quit"])
def test_opt_words_cannot_be_routed(services, word):
    with pytest.raises(Rejected, match="cannot be routed"):
        services.routes.set(ADMIN, word, None, "COPS")


def test_help_can_be_routed(services):
    assert "now arrive in" in services.routes.set(ADMIN, "help", None, "CSUPPORT")


def test_only_admins_set_the_catch_all(services):
    with pytest.raises(Rejected, match="Only admins"):
        services.routes.set("UALICE", "*", None, "CINBOX")


def test_a_call_to_a_number_that_texted_stop_is_placed_and_says_so(services, telephony, clock):
    with services.db.transaction() as tx:
        tx.opt_outs.opt_out("+447700900123", "STOP", clock.now())
    answer = services.calls.place("UBOB", CHANNEL, (NumberTarget("07700900123"),))
    assert len(telephony.calls) == 1
    assert answer == (
        "+447700900123 opted out of texts (they texted STOP); that covers texts only, so the "
        "call was placed."
    )
    assert services.calls.place("UBOB", CHANNEL, (NumberTarget("07700900124"),)) is None
