"""SMS length arithmetic: which alphabet a text needs and how many segments it takes.

GSM-7 fits 160 characters in one SMS, 153 per segment once split (the rest carries the
concatenation header); characters of the GSM extension table (such as € and [) cost two.
Anything outside GSM-7 sends the whole text as UCS-2: 70 in one SMS, 67 per segment, counted
in UTF-16 code units (an emoji costs two).
"""

from __future__ import annotations

from dataclasses import dataclass

_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    def describe(self) -> str:
        plural = "s" if self.segments != 1 else ""
        return f"{self.segments} SMS segment{plural} ({self.encoding})"


def measure(text: str) -> SmsLength:
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENSION for ch in text):
        units = sum(2 if ch in _GSM_EXTENSION else 1 for ch in text)
        return SmsLength("GSM-7", units, _segments(units, single=160, multi=153))
    units = len(text.encode("utf-16-le")) // 2
    return SmsLength("UCS-2", units, _segments(units, single=70, multi=67))


def _segments(units: int, single: int, multi: int) -> int:
    if units <= single:
        return 1
    return -(-units // multi)
