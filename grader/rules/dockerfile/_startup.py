"""What the image runs at start-up: CMD and ENTRYPOINT of the final stage (or the stage it builds on)."""
from __future__ import annotations

from grader.rules.dockerfile._parse import Dockerfile, Instruction


def startup(obj: Dockerfile) -> list[Instruction]:
    stage, seen, found = obj.final, set(), []
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        for keyword in ("ENTRYPOINT", "CMD"):
            if not any(i.keyword == keyword for i in found):
                found += stage.all(keyword)[-1:]
        stage = next((s for s in obj.stages[: stage.index] if s.alias and s.alias.lower() == stage.image.lower()),
                     None)
    return found
