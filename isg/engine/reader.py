"""Typed, located access to parsed YAML: every complaint names the file and line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .yamlsource import LocatedDict, LocatedList, Problem

# Ids may start with a digit (answer `18_plus`, spec 7.2 F5); quote ones YAML would read as numbers ("16_17").
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()} (YAML reads bare yes/no/on/off as booleans: quote it)"
    if value is None:
        return "nothing"
    if isinstance(value, int | float):
        return f"the number {value!r} (YAML reads bare values such as 16_17 as numbers: quote it)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{type(value).__name__} {value!r}"


class Reader:
    """Collects problems instead of stopping at the first, so one run reports them all."""

    def __init__(self, path: str, problems: Iterable[Problem] = ()) -> None:
        self.path = path
        self.problems: list[Problem] = list(problems)

    def fail(self, line: int, reason: str) -> None:
        self.problems.append(Problem(self.path, line, reason))

    def mapping(self, value: Any, line: int, what: str) -> LocatedDict | None:
        if isinstance(value, LocatedDict):
            return value
        self.fail(line, f"{what} must be a mapping, not {describe(value)}")
        return None

    def sequence(self, parent: LocatedDict, key: str, what: str, *, required: bool = False) -> LocatedList:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail(parent.line, f"{what} needs `{key}`")
            empty = LocatedList()
            empty.line, empty.item_lines = parent.line, []
            return empty
        if not isinstance(value, LocatedList):
            self.fail(parent.line_of(key), f"`{key}` of {what} must be a list, not {describe(value)}")
            empty = LocatedList()
            empty.line, empty.item_lines = parent.line_of(key), []
            return empty
        return value

    def keys(self, mapping: LocatedDict, what: str, *, required: Iterable[str], optional: Iterable[str] = ()) -> None:
        required = tuple(required)
        allowed = set(required) | set(optional)
        for key in mapping:
            if key not in allowed:
                self.fail(
                    mapping.line_of(key),
                    f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})",
                )
        for key in required:
            if key not in mapping:
                self.fail(mapping.line, f"{what} is missing `{key}`")

    def text(self, mapping: LocatedDict, key: str, what: str, *, default: str = "") -> str:
        value = mapping.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail(mapping.line_of(key), f"`{key}` of {what} must be text, not {describe(value)}")
            return default
        return value.strip()

    def identifier(self, mapping: LocatedDict, key: str, what: str) -> str:
        value = mapping.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(mapping.line_of(key), f"`{key}` of {what} must be an id (text), not {describe(value)}")
            return ""
        if not ID_PATTERN.match(value):
            self.fail(mapping.line_of(key), f"{value!r} is not a valid id (lower-case letters, digits and _)")
        return value

    def flag(self, mapping: LocatedDict, key: str, what: str, *, default: bool = False) -> bool:
        value = mapping.get(key, default)
        if not isinstance(value, bool):
            self.fail(mapping.line_of(key), f"`{key}` of {what} must be true or false, not {describe(value)}")
            return default
        return value

    def texts(self, mapping: LocatedDict, key: str, what: str) -> tuple[str, ...]:
        items = self.sequence(mapping, key, what)
        result = []
        for index, item in enumerate(items):
            if isinstance(item, str):
                result.append(item.strip())
            else:
                self.fail(items.line_of(index), f"each item of `{key}` in {what} must be text, not {describe(item)}")
        return tuple(result)

    def identifiers(self, mapping: LocatedDict, key: str, what: str) -> tuple[tuple[str, int], ...]:
        """A list of ids, each with its line, for checks that need to point at one item."""
        items = self.sequence(mapping, key, what)
        result = []
        for index, item in enumerate(items):
            if isinstance(item, str) and ID_PATTERN.match(item):
                result.append((item, items.line_of(index)))
            else:
                self.fail(items.line_of(index), f"each item of `{key}` in {what} must be an id, not {describe(item)}")
        return tuple(result)
