"""The vendors: every ``Provider`` subclass in a ``models/<name>_provider.py`` module, found by that name.

Vendor modules import their SDK only inside methods, so finding them here costs milliseconds. The registry
(which ``name:`` prefixes exist, their defaults and key variables), the masking of secrets and the tests
all ask this module, so a new vendor is one new module plus catalog rows for its models.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from .base import Provider


@functools.lru_cache(maxsize=1)
def _discovered() -> dict[str, type[Provider]]:
    from .. import models as package

    classes: dict[str, type[Provider]] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not info.name.endswith("_provider"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Provider) and value.name
                    and value.__module__ == module.__name__):
                classes[value.name] = value
    return classes


_REGISTERED: dict[str, type[Provider]] = {}


def register(cls: type[Provider]) -> type[Provider]:
    """Add a vendor defined outside this package (a plugin, or a test); usable as a class decorator."""
    if not cls.name:
        raise ValueError("a provider class needs a name")
    _REGISTERED[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    _REGISTERED.pop(name, None)


def provider_classes() -> dict[str, type[Provider]]:
    return {**_discovered(), **_REGISTERED}


def provider_class(name: str) -> type[Provider]:
    return provider_classes()[name]


def provider_for(spec) -> Provider:  # noqa: ANN001 - a ModelSpec (the registry imports this module)
    return provider_class(spec.provider)(spec)


def key_variables() -> tuple[str, ...]:
    """Every environment variable any vendor reads a credential from."""
    seen: dict[str, None] = {}
    for cls in provider_classes().values():
        seen.update(dict.fromkeys(cls.all_key_variables()))
    return tuple(seen)


def servers() -> dict[str, tuple[str, str]]:
    """Short prefixes served at a fixed URL: ``{"ollama": ("openai", "http://127.0.0.1:11434/v1")}``."""
    return {prefix: (cls.name, url) for cls in provider_classes().values() for prefix, url in cls.servers.items()}
