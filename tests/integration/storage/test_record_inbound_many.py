"""Recording a fetched batch of inbound texts at once: each messageId stored once, however
often it is fetched, and the ids stored by this call returned."""

from datetime import UTC, datetime

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _texts(*ids: str, keyword: str = "Pizza"):
    return [(i, keyword, "tel:+447700900001", f"{keyword} {i}", NOW) for i in ids]


def test_a_batch_is_stored_once_and_repeats_are_not_new(database):
    with database.transaction() as tx:
        assert tx.messages.record_inbound_many(_texts("a", "b", "a")) == {"a", "b"}
    with database.transaction() as tx:
        assert tx.messages.record_inbound_many(_texts("b", "c")) == {"c"}
        assert tx.messages.record_inbound_many([]) == set()
        stored = tx.messages.unposted_inbound(limit=10)
    assert sorted(m.web21c_message_id for m in stored) == ["a", "b", "c"]
    assert {m.keyword for m in stored} == {"pizza"}


def test_a_text_recorded_one_at_a_time_is_known_to_the_batch(database):
    with database.transaction() as tx:
        tx.messages.record_inbound("x", "pizza", "tel:+447700900001", "pizza x", NOW)
        assert tx.messages.record_inbound_many(_texts("x", "y")) == {"y"}


def test_more_texts_than_one_in_list_holds(database):
    ids = [f"m{i}" for i in range(1200)]
    with database.transaction() as tx:
        assert len(tx.messages.record_inbound_many(_texts(*ids))) == 1200
    with database.transaction() as tx:
        assert tx.messages.record_inbound_many(_texts(*ids, "new")) == {"new"}


def test_posted_uncleared_with_no_keyword_covers_every_keyword(database):
    with database.transaction() as tx:
        tx.messages.record_inbound_many(_texts("p", keyword="pizza") + _texts("q", keyword="hi"))
        for message in tx.messages.unposted_inbound(limit=10):
            tx.messages.mark_posted(message.id, None, "C1", f"1.{message.id}")
        assert len(tx.messages.posted_uncleared(None, limit=10)) == 2
        assert len(tx.messages.posted_uncleared("hi", limit=10)) == 1
