"""Typed errors of the kit: raised once with a French message and hint, reported once at the top."""
from __future__ import annotations


class CpinError(Exception):
    """Base error: `message_fr` says what went wrong, `hint_fr` what to do about it."""

    def __init__(self, message_fr: str, *, hint_fr: str | None = None):
        super().__init__(message_fr)
        self.message_fr = message_fr
        self.hint_fr = hint_fr

    def render(self) -> str:
        text = f"✘ {self.message_fr}"
        if self.hint_fr:
            text += f"\n  → {self.hint_fr}"
        return text


class InputError(CpinError):
    """The learner's input (file, YAML, cell) cannot be used."""


class ContextRefused(CpinError):
    """The kube context was not created by the kit and was not named explicitly."""


class BackendUnavailable(CpinError):
    """A cluster backend cannot run here (binary, image or daemon missing)."""


class ToolMissing(CpinError):
    """A pinned external binary is not installed."""


class ToolFailed(CpinError):
    """An external command failed; its output travels with the error."""

    def __init__(self, message_fr: str, *, command: list[str], output: str = "", hint_fr: str | None = None):
        super().__init__(message_fr, hint_fr=hint_fr)
        self.command = command
        self.output = output

    def render(self) -> str:
        text = super().render()
        tail = "\n".join(self.output.strip().splitlines()[-15:])
        if tail:
            text += "\n  sortie :\n" + "\n".join("    " + line for line in tail.splitlines())
        return text


class ApiFailure(CpinError):
    """The Kubernetes API answered with an error status."""

    def __init__(self, message_fr: str, *, status: int | None = None, hint_fr: str | None = None):
        super().__init__(message_fr, hint_fr=hint_fr)
        self.status = status


class DockerUnavailable(CpinError):
    """The Docker daemon does not answer."""
