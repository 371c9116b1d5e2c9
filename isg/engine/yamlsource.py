"""Read YAML into plain Python values that remember the line each value came from.

PyYAML's safe_load forgets positions and silently keeps the last of two duplicate keys; both
matter here because every validation error must name its file and line.
"""

from __future__ import annotations

from typing import Any

import yaml


class Problem(Exception):
    """One thing wrong with a data file, located by file and 1-based line."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


class LocatedDict(dict):
    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def read_yaml(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document; return its value and any duplicate-key problems.

    Raises Problem for a syntax error or an empty document.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise Problem(path, line, f"not valid YAML: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise Problem(path, 1, f"not valid YAML: {exc}") from exc
    if root is None:
        raise Problem(path, 1, "the file is empty")
    problems: list[Problem] = []
    try:
        return _convert(root, loader, path, problems), problems
    except yaml.YAMLError as exc:
        raise Problem(path, 1, f"not valid YAML: {exc}") from exc
    finally:
        loader.dispose()


def _convert(node: yaml.Node, loader: yaml.SafeLoader, path: str, problems: list[Problem]) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = LocatedDict()
        result.line, result.key_lines = line, {}
        for key_node, value_node in node.value:
            key = _convert(key_node, loader, path, problems)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, str | bool | int | float):
                problems.append(Problem(path, key_line, "a mapping key must be a plain value"))
                continue
            if key in result:
                problems.append(Problem(path, key_line, f"duplicate key {key!r} (first on line {result.key_lines[key]})"))
                continue
            result[key] = _convert(value_node, loader, path, problems)
            result.key_lines[key] = key_line
        return result
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList(_convert(item, loader, path, problems) for item in node.value)
        items.line, items.item_lines = line, [item.start_mark.line + 1 for item in node.value]
        return items
    return loader.construct_object(node, deep=True)
