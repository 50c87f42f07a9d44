"""Write the knowledge base as YAML that survives an admin's edits (the loader reads it back exactly).

Every text is written as a literal block (`|-`): whatever an admin types inside it at the
block's indentation — colons, " #", quotes, a leading dash, Khmer, emoji — is read back as typed.
Plain scalars are kept only for identifiers (ids, kinds, URLs, related ids), which are single
words with no YAML meaning. A text a literal block cannot hold exactly (a line ending in spaces,
a control character) is double-quoted by PyYAML instead, which is exact too.
"""

from __future__ import annotations

import re

import yaml

PLAIN_KEYS = frozenset({"id", "kind", "url", "related"})
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/?&=%+-]*$")


class _Dumper(yaml.SafeDumper):
    """Block style, texts as literal blocks, identifiers plain, no aliases."""

    def ignore_aliases(self, data):  # noqa: D401 - PyYAML hook
        return True

    def represent_mapping(self, tag, mapping, flow_style=None):
        # Mark the string values of identifier keys so that _str keeps them plain.
        mapping = {_key(k): (_Ident(v) if k in PLAIN_KEYS and isinstance(v, str) else
                       [_Ident(x) if isinstance(x, str) else x for x in v] if k in PLAIN_KEYS and isinstance(v, list)
                       else v) for k, v in mapping.items()}
        return super().represent_mapping(tag, mapping, flow_style)


class _Ident(str):
    """A string written plain when it is a single token (an id, a kind, a URL)."""


def _key(key):
    return _Ident(key) if isinstance(key, str) else key


def _str(dumper: yaml.SafeDumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


def _ident(dumper: yaml.SafeDumper, value: str):
    style = None if _TOKEN.match(value) else "|"
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Ident, _ident)


def dump_yaml(data: dict) -> str:
    """The YAML text of a knowledge-base document."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
