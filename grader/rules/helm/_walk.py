"""Walk nested Helm values: yields (path, key, value) for every scalar."""
from __future__ import annotations

from typing import Any, Iterator


def scalars(node: Any, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, str, Any]]:
    if depth > 50:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}/{key}" if prefix else str(key)
            if isinstance(value, (dict, list)):
                yield from scalars(value, path, depth + 1)
            else:
                yield path, str(key), value
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from scalars(value, f"{prefix}/[{index}]", depth + 1)
