"""The shared parser never expands entities, loads DTDs or reaches the network."""

from __future__ import annotations

import pytest

from adapters.web21c import safexml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]><r>&secret;</r>"""


def test_parses_plain_documents():
    assert safexml.parse(b"<a><b>text</b></a>").findtext("b") == "text"


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL])
def test_refuses_any_dtd(document):
    with pytest.raises(safexml.UnsafeXml):
        safexml.parse(document)


def test_dtd_after_a_long_prefix_is_still_refused():
    document = b"<?xml version='1.0'?>" + b" " * 5000 + b'<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'
    with pytest.raises((safexml.UnsafeXml, safexml.XmlSyntaxError)):
        safexml.parse(document)


def test_malformed_xml_raises_syntax_error():
    with pytest.raises(safexml.XmlSyntaxError):
        safexml.parse(b"<a><b></a>")
