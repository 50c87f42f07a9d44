"""Figures and dates written once in the YAML and shown in each language's conventions (Babel).

A figure is marked in a text as `{2782}` (a number) or `{8.76%}` (a percentage): one plain value,
"." for decimals, no thousands separator. `render_figures` turns the marks into "2,782" and "8.76%"
in English, "2 782" and "8,76 %" in French, following CLDR's locale data through Babel rather than
hand-made rules. Years stay plain text ("2009" is never written as "2,009").
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

FIGURE_RE = re.compile(r"\{(\d+(?:\.\d+)?)(%?)\}")
AS_OF_RE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")


def render_figures(text: str, lang: str) -> str:
    """The text with every `{number}` / `{number%}` mark formatted for `lang`."""
    def one(match: re.Match) -> str:
        value = Decimal(match.group(1))
        if match.group(2):
            return format_percent(value / 100, locale=lang, decimal_quantization=False)
        return format_decimal(value, locale=lang, decimal_quantization=False)
    return FIGURE_RE.sub(one, text)


def format_as_of(as_of: str, lang: str) -> str:
    """An `as_of` value ("2009" or "2025-08") as a year or a month and year in `lang`."""
    match = AS_OF_RE.match(as_of)
    if not match or not match.group(2):
        return as_of
    return format_date(date(int(match.group(1)), int(match.group(2)), 1), "LLLL y", locale=lang)
