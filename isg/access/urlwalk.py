"""Every URL pattern of the URLconf, with its full name and route: what the table must cover."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str | None  # "namespace:name", or None for an unnamed pattern
    namespace: str  # "" at the root
    route: str  # the pattern text from the root, e.g. "decisions/<uuid:public_id>/"
    pattern: URLPattern

    @property
    def callback(self):
        return self.pattern.callback


def iter_routes(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Walk `get_resolver().url_patterns` recursively (as 18F Tock's `iter_patterns` does)."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            yield from iter_routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(name=name, namespace=namespace, route=prefix + str(entry.pattern), pattern=entry)
