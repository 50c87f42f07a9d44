"""Write the knowledge base as readable YAML (the loader reads it back to the same content)."""

from __future__ import annotations

import yaml


class _Dumper(yaml.SafeDumper):
    """Block style, long texts folded as literal blocks, no aliases."""

    def ignore_aliases(self, data):  # noqa: D401 - PyYAML hook
        return True


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_yaml(data: dict) -> str:
    """The YAML text of a knowledge-base document."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
