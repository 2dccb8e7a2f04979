"""YAML documents with the line of every key, so that a finding's path points at a line.

Paths use the evidence format of the rules: `spec/template/spec/containers/[0]/image`.
Aliases are walked once (no blow-up on "billion laughs" files).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlDoc:
    data: Any
    line: int                                       # 1-based line of the document start
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int:
        """Line of `path` or of its nearest ancestor present in the file."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition("/")[0]
        return self.line


@dataclass
class YamlSyntaxError:
    line: int | None
    problem: str


def _walk(node: yaml.Node, prefix: str, out: dict[str, int], seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                path = f"{prefix}/{key.value}" if prefix else str(key.value)
                out.setdefault(path, key.start_mark.line + 1)
                _walk(value, path, out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}/[{index}]" if prefix else f"[{index}]"
            out.setdefault(path, item.start_mark.line + 1)
            _walk(item, path, out, seen)


def load_all(text: str, *, line_offset: int = 0) -> tuple[list[YamlDoc], YamlSyntaxError | None]:
    """Documents of a YAML stream; on a syntax error, the documents before it and the error."""
    docs: list[YamlDoc] = []
    constructor = yaml.SafeLoader("")
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:
                continue
            data = constructor.construct_document(node)
            lines: dict[str, int] = {}
            _walk(node, "", lines, set())
            docs.append(YamlDoc(data, node.start_mark.line + 1 + line_offset,
                                {k: v + line_offset for k, v in lines.items()}))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        return docs, YamlSyntaxError(mark.line + 1 + line_offset if mark else None, str(problem))
    except (ValueError, TypeError, RecursionError) as error:  # e.g. bad timestamps, deep nesting
        return docs, YamlSyntaxError(None, str(error)[:200])
    return docs, None
