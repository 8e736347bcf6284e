"""One safe way to parse XML that came over the network, shared by client and sandbox.

No DTDs, no entity expansion, no network fetches, no huge trees: a hostile document is
refused with UnsafeXml or XmlSyntaxError instead of being resolved.
"""

from __future__ import annotations

import threading

from lxml import etree


class UnsafeXml(ValueError):
    """The document declares a DTD (and with it, possibly, entities); we never process those."""


XmlSyntaxError = etree.XMLSyntaxError

_local = threading.local()


def _parser() -> etree.XMLParser:
    """A parser per thread, so threads never wait on each other's parses."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
        )
    return parser


def parse(data: bytes) -> etree._Element:
    """The root element of `data`; raises XmlSyntaxError or UnsafeXml."""
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise UnsafeXml("document type declarations are not allowed")
    root = etree.fromstring(data, parser=_parser())
    if root.getroottree().docinfo.internalDTD is not None:
        raise UnsafeXml("document type declarations are not allowed")
    return root
