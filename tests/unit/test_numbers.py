import pytest

from bot.core.numbers import (
    NumberRejected,
    check_allowed,
    display,
    is_sip_uri,
    number_from_uri,
    parse_number,
)


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("tel:+447700900123", "+447700900123"),
        ("tel:+44-7700-900123", "+447700900123"),
        ("020 7946 0018", "+442079460018"),
        ("+33 6 12 34 56 78", "+33612345678"),
    ],
)
def test_common_formats_parse_to_e164(typed, e164):
    assert parse_number(typed, "GB").e164 == e164


def test_a_number_without_country_code_uses_the_default_region():
    assert parse_number("(201) 200-1234", "US").e164 == "+12012001234"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("hello", "is not a phone number"),
        ("tel:abc", "is not a valid tel: URI"),
        ("0123", "is not a valid phone number"),
        ("09065 123456", "is a premium-rate number"),
    ],
)
def test_unusable_numbers_are_refused_with_a_reason(typed, reason):
    with pytest.raises(NumberRejected, match=reason):
        parse_number(typed, "GB")


def test_countries_outside_the_allowed_list_are_refused():
    french = parse_number("+33612345678", "GB")
    with pytest.raises(NumberRejected, match="only reaches GB"):
        check_allowed(french, frozenset({"GB"}))
    check_allowed(french, frozenset({"GB", "FR"}))


def test_uris():
    assert parse_number("07700900123", "GB").uri == "tel:+447700900123"
    assert number_from_uri("tel:+44 7700-900123") == "+447700900123"
    assert display("tel:+447700900123") == "+447700900123"
    assert is_sip_uri("sip:happy-1@mockphones.nat.bt.com:5660")
    assert not is_sip_uri("tel:+447700900123")
