"""Image references (`registry/namespace/name:tag@digest`) and the allowed-registries data."""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

REGISTRIES_FILE = Path(__file__).with_name("registries.yaml")


@dataclass(frozen=True)
class Image:
    text: str
    name: str            # everything before the tag/digest
    tag: str | None
    digest: str | None

    @property
    def registry(self) -> str | None:
        """Host part if the first component looks like one (has a dot or a port, or is localhost)."""
        first, _, rest = self.name.partition("/")
        if rest and ("." in first or ":" in first or first == "localhost"):
            return first
        return None

    @property
    def floating(self) -> bool:
        """No digest and a missing or `latest` tag."""
        return self.digest is None and (self.tag is None or self.tag == "latest")


def parse_image(text: str) -> Image:
    text = text.strip()
    name, _, digest = text.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    return Image(text, name, tag or None, digest or None)


@lru_cache(maxsize=1)
def registries() -> dict:
    """The data file `registries.yaml`: allowed prefixes, Harbor hosts, recognised publishers."""
    return yaml.safe_load(REGISTRIES_FILE.read_text(encoding="utf-8"))


def allowed(image: str) -> bool:
    data = registries()
    patterns = [*data["kyverno"], *data["platform_harbor"], *data["kit_local"]]
    return any(fnmatch.fnmatchcase(image, pattern + "*") for pattern in patterns)


def is_harbor(image: str) -> bool:
    return any(fnmatch.fnmatchcase(image, p + "*") for p in registries()["platform_harbor"])
