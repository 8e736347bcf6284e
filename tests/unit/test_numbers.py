import pytest
from phonenumbers import PhoneNumberType as T

from bot.core.numbers import (
    DEFAULT_ALLOWED_TYPES,
    NumberRejected,
    PhoneNumber,
    check_allowed,
    check_sip_domain,
    check_type,
    describe_types,
    display,
    is_sip_uri,
    number_from_uri,
    parse_number,
    parse_sip,
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


# --- number types: an allow list -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "sentence"),
    [
        ("070 1234 5678", "070 1234 5678 is a personal number"),
        ("07640 123456", "076 4012 3456 is a pager number"),
        ("055 1234 5678", "055 1234 5678 is a UAN (corporate) number"),
        ("056 1234 5678", "056 1234 5678 is a VoIP number"),
    ],
)
def test_types_outside_the_allow_list_are_refused_by_name(typed, sentence):
    number = parse_number(typed, "GB")
    with pytest.raises(NumberRejected) as refused:
        check_type(number, DEFAULT_ALLOWED_TYPES, "texts")
    assert str(refused.value) == (
        f"{sentence}; this bridge texts only mobile, fixed-line and toll-free numbers"
    )


@pytest.mark.parametrize(
    "typed", ["07400 123456", "020 7946 0018", "0800 123 4567", "+1 202 555 0100", "07700 900008"]
)
def test_mobile_fixed_line_toll_free_and_the_sandbox_phones_are_allowed(typed):
    check_type(parse_number(typed, "GB"), DEFAULT_ALLOWED_TYPES, "calls")


def test_premium_rate_and_shared_cost_are_refused_even_when_listed():
    for kind, words in ((T.PREMIUM_RATE, "premium-rate"), (T.SHARED_COST, "shared-cost")):
        number = PhoneNumber("+449065123456", "GB", kind)
        with pytest.raises(NumberRejected, match=f"is a {words} number"):
            check_type(number, frozenset({kind}), "calls")


def test_the_allow_list_in_words():
    assert describe_types(DEFAULT_ALLOWED_TYPES) == "mobile, fixed-line and toll-free numbers"
    assert describe_types(frozenset({T.FIXED_LINE_OR_MOBILE})) == "fixed-line or mobile numbers"
    assert describe_types(frozenset({T.MOBILE, T.PAGER})) == "mobile and pager numbers"


# --- sip: addresses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "user", "host", "numeric"),
    [
        ("sip:+88216123456@voip.example", "+88216123456", "voip.example", "+88216123456"),
        ("sip:09098790000@GW.example.com", "09098790000", "gw.example.com", "09098790000"),
        (
            "sip:0909-879-0000;user=phone@gw.example",
            "0909-879-0000;user=phone",
            "gw.example",
            "0909-879-0000",
        ),
        (
            "sip:happy-30-4-x@mockphones.nat.bt.com:5660",
            "happy-30-4-x",
            "mockphones.nat.bt.com",
            None,
        ),
        ("sip:alice@pbx.example:5060;transport=tcp", "alice", "pbx.example", None),
        ("sip:pbx.example", None, "pbx.example", None),
    ],
)
def test_sip_addresses_are_taken_apart(uri, user, host, numeric):
    address = parse_sip(uri)
    assert (address.user, address.host, address.numeric_user) == (user, host, numeric)


def test_sip_domains_outside_the_allow_list_are_refused():
    address = parse_sip("sip:x@voip.example")
    with pytest.raises(NumberRejected, match="reaches no sip: addresses"):
        check_sip_domain(address, frozenset())
    with pytest.raises(NumberRejected, match=r"only at pbx\.example\.com"):
        check_sip_domain(address, frozenset({"pbx.example.com"}))
    check_sip_domain(parse_sip("sip:x@PBX.example.com:5060"), frozenset({"pbx.example.com"}))
    with pytest.raises(NumberRejected, match="not a valid sip: URI"):
        parse_sip("sips:x@y")
