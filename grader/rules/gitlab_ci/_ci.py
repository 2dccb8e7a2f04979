"""GitLab CI shapes: jobs, their `extends`, scripts and variables."""
from __future__ import annotations

from typing import Any, Iterator

RESERVED = {"stages", "variables", "include", "default", "workflow", "image", "services", "cache",
            "before_script", "after_script", "types", "pages"}


def jobs(ci: dict) -> Iterator[tuple[str, dict]]:
    """Visible jobs (not templates starting with '.')."""
    for name, job in ci.items():
        if isinstance(name, str) and name not in RESERVED and not name.startswith(".") and isinstance(job, dict):
            yield name, job


def extends(job: dict) -> list[str]:
    value = job.get("extends")
    return [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else []


def _flatten(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item)


def script_lines(job: dict) -> list[str]:
    return [line for key in ("before_script", "script", "after_script") for line in _flatten(job.get(key))]


def image_name(job: dict) -> str:
    image = job.get("image")
    return str(image.get("name", "")) if isinstance(image, dict) else str(image or "")


def variables(ci: dict, job: dict) -> dict[str, str]:
    merged: dict[str, str] = {}
    for source in (ci.get("variables"), job.get("variables")):
        if isinstance(source, dict):
            for key, value in source.items():
                merged[str(key)] = str(value.get("value", "")) if isinstance(value, dict) else str(value)
    return merged


def includes(ci: dict) -> list[str]:
    """Names of included catalog files (project/file or local/remote/template)."""
    found: list[str] = []
    items = ci.get("include")
    for item in items if isinstance(items, list) else [items] if items else []:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            for key in ("file", "local", "remote", "template", "component"):
                found.extend(_flatten(item.get(key)))
    return found


def is_build_job(job: dict) -> bool:
    return any(e.startswith((".kaniko:", ".buildkit:")) for e in extends(job)) \
        or "kaniko" in image_name(job) or any("/kaniko/executor" in line for line in script_lines(job))
