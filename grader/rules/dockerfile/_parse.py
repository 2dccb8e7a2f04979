"""A small Dockerfile reader: instructions with their line, stages, ARG substitution in FROM.

Enough for the rules (USER of the final stage, FROM images, EXPOSE, CMD/ENTRYPOINT, RUN, ENV);
hadolint does the full syntax check.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_VAR = re.compile(r"\$(?:\{(\w+)(?::?([-+])([^}]*))?\}|(\w+))")
_DIRECTIVE = re.compile(r"^#\s*escape\s*=\s*(\S)", re.I)
# `<<EOF`, `<<-EOF`, `<<"EOF"`: not a here-string (`<<<`), not a shift (`1<<2`, `$((1<<2))` is removed first)
_HEREDOC = re.compile(r"(?<![<\d])<<(?!<)-?\s*([\"']?)([A-Za-z_][\w.-]*)\1")


def _without_arithmetic(text: str) -> str:
    """`text` with every `$(( … ))` span blanked (nested parentheses counted; linear)."""
    out, index = [], 0
    while True:
        start = text.find("$((", index)
        if start < 0:
            out.append(text[index:])
            return "".join(out)
        out.append(text[index:start])
        depth, cursor = 0, start + 1
        while cursor < len(text):
            depth += {"(": 1, ")": -1}.get(text[cursor], 0)
            cursor += 1
            if depth == 0:
                break
        out.append(" " * (cursor - start))
        index = cursor


def heredoc_markers(line: str) -> list[str]:
    """Terminators of the heredocs opened on an instruction line, in order (`RUN <<A <<B`)."""
    return [m.group(2) for m in _HEREDOC.finditer(_without_arithmetic(line))]


@dataclass(frozen=True)
class Instruction:
    keyword: str   # upper case: FROM, RUN, USER…
    args: str      # raw arguments, continuation lines joined
    line: int      # 1-based line of the keyword

    @property
    def words(self) -> list[str]:
        """Arguments of the exec (JSON) form, or the raw text split on blanks."""
        text = self.args.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
                if isinstance(value, list):
                    return [str(v) for v in value]
            except ValueError:
                pass
        return text.split()

    @property
    def command(self) -> str:
        """Shell text of RUN/CMD/ENTRYPOINT, whatever the form."""
        return " ".join(self.words) if self.args.strip().startswith("[") else self.args.strip()


@dataclass
class Stage:
    index: int
    image: str                 # FROM image after ARG substitution
    raw_image: str             # as written
    alias: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)
    unresolved: bool = False   # FROM used an ARG without a default value

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


@dataclass
class Dockerfile:
    instructions: list[Instruction]
    stages: list[Stage]
    global_args: dict[str, str]

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    @property
    def aliases(self) -> set[str]:
        return {s.alias.lower() for s in self.stages if s.alias}


def substitute(text: str, values: dict[str, str]) -> tuple[str, bool]:
    """Replace $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt}; second value False if a variable had no value."""
    complete = True

    def repl(match: re.Match) -> str:
        nonlocal complete
        name, op, word = match.group(1) or match.group(4), match.group(2), match.group(3) or ""
        value = values.get(name)
        if op == "-":
            return value if value else word
        if op == "+":
            return word if value else ""
        if not value:
            complete = False
            return match.group(0)
        return value

    return _VAR.sub(repl, text), complete


def _logical_lines(text: str) -> list[tuple[int, str]]:
    escape = "\\"
    out: list[tuple[int, str]] = []
    buffer, start = "", 0
    heredocs: list[str] = []                 # terminators still expected, in order
    for number, raw in enumerate(text.splitlines(), 1):
        if number == 1 or (not out and not buffer):
            directive = _DIRECTIVE.match(raw)
            if directive:
                escape = directive.group(1)
                continue
        if heredocs:                          # RUN <<EOF … EOF: keep the body in the instruction
            buffer += "\n" + raw
            if raw.strip() == heredocs[0]:
                heredocs.pop(0)
                if not heredocs:
                    out.append((start, buffer))
                    buffer = ""
            continue
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue                          # comment lines inside a continuation are dropped
        if not buffer:
            start = number
        if stripped.endswith(escape):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        if buffer.split(None, 1)[0].upper() in ("RUN", "COPY", "ADD"):
            heredocs = heredoc_markers(buffer)
            if heredocs:
                continue
        out.append((start, buffer))
        buffer = ""
    if buffer:
        out.append((start, buffer))
    return out


def parse(text: str) -> Dockerfile:
    instructions: list[Instruction] = []
    for line, logical in _logical_lines(text):
        keyword, _, args = logical.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), line))
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = [w for w in instruction.args.split() if not w.startswith("--")]
            raw = words[0] if words else ""
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            image, complete = substitute(raw, global_args)
            stages.append(Stage(len(stages), image, raw, alias, instruction.line, unresolved=not complete))
        elif not stages:
            if instruction.keyword == "ARG":
                name, _, default = instruction.args.partition("=")
                if default:
                    global_args[name.strip()] = default.strip().strip('"').strip("'")
                else:
                    global_args.setdefault(name.strip(), "")
        else:
            stages[-1].instructions.append(instruction)
    return Dockerfile(instructions, stages, global_args)


def stage_values(stage: Stage, upto: Instruction | None = None) -> dict[str, str]:
    """ARG defaults and ENV values of a stage known before `upto` (for USER ${UID})."""
    values: dict[str, str] = {}
    for instruction in stage.instructions:
        if instruction is upto:
            break
        if instruction.keyword in ("ARG", "ENV"):
            for pair in re.findall(r"(\w+)=(\"[^\"]*\"|'[^']*'|\S+)", instruction.args):
                values[pair[0]] = pair[1].strip('"').strip("'")
            if instruction.keyword == "ENV" and "=" not in instruction.args:
                key, _, value = instruction.args.partition(" ")
                values[key] = value.strip()
    return values
