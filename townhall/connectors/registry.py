"""The connector registry: every `Source` subclass decorated with `@register`."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from townhall.connectors.base import Source

_SOURCES: dict[str, type[Source]] = {}


def register(cls: type[Source]) -> type[Source]:
    """Class decorator: make a connector known by its `name`."""
    if cls.name in _SOURCES and _SOURCES[cls.name] is not cls:
        raise ValueError(f"two connectors are named {cls.name!r}")
    _SOURCES[cls.name] = cls
    return cls


def get(name: str) -> type[Source]:
    try:
        return _SOURCES[name]
    except KeyError:
        raise KeyError(
            f"no connector named {name!r}; known: {', '.join(sorted(_SOURCES))}"
        ) from None


def all_sources() -> list[type[Source]]:
    return [_SOURCES[name] for name in sorted(_SOURCES)]


def autodiscover() -> None:
    """Import `townhall/connectors/<package>/source.py` for every connector package."""
    root = Path(__file__).parent
    for module in pkgutil.iter_modules([str(root)]):
        if module.ispkg and (root / module.name / "source.py").exists():
            importlib.import_module(f"townhall.connectors.{module.name}.source")


def register_with_core() -> None:
    """Let `townhall ingest <name> <target>` run every connector (core cannot import us)."""
    from townhall.connectors.services import plan_for_target
    from townhall.core.services.imports import register_import_kind

    for source in all_sources():
        register_import_kind(
            source.name, source.label, lambda target, s=source: plan_for_target(s, target)
        )
