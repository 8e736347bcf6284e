from bot.core.sms_text import measure


def test_gsm7_fits_160_in_one_segment_and_153_per_segment_after():
    assert measure("a" * 160).segments == 1
    assert measure("a" * 161).segments == 2
    assert measure("a" * 306).segments == 2
    assert measure("a" * 307).segments == 3
    assert measure("a").encoding == "GSM-7"


def test_extension_characters_cost_two_septets():
    assert measure("€" * 80).units == 160
    assert measure("€" * 81).segments == 2


def test_anything_else_is_ucs2_counted_in_utf16_units():
    assert measure("ж" * 70).segments == 1
    assert measure("ж" * 71).segments == 2
    assert measure("😀" * 35).units == 70
    assert measure("😀").encoding == "UCS-2"
    assert measure("ж" * 71).describe() == "2 SMS segments (UCS-2)"
