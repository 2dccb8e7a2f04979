"""Image finale légère : pas d'outils de construction (multi-stage).

Ce que vérifie la règle
    L'étape finale ne part pas d'une image de construction : `maven`, `gradle`, `golang`, `rust`,
    `gcc`, `sbt`, `buildpack-deps`, `dotnet/sdk`, ni d'un JDK complet (tag contenant `jdk`).

Pourquoi
    REF 35 — bonnes pratiques « Taille des images », CCT EXI-ARCH-6 : images petites (Alpine,
    distroless, minideb, Bitnami), construction multi-stage ; les compilateurs n'ont rien à faire en
    production (surface d'attaque, taille). Conseil : avertissement.

Exemple refusé
```dockerfile
FROM docker.io/library/maven:3.9-eclipse-temurin-21
COPY . /src
RUN mvn -f /src package
USER 1001
CMD ["java", "-jar", "/src/target/app.jar"]
```

À la place
```dockerfile
FROM docker.io/library/maven:3.9-eclipse-temurin-21 AS build
COPY . /src
RUN mvn -f /src package
FROM docker.io/library/eclipse-temurin:21-jre-alpine
COPY --from=build /src/target/app.jar /app/app.jar
USER 1001
CMD ["java", "-jar", "/app/app.jar"]
```

Limites connues
    Seul le nom de l'image de base est examiné, pas sa taille réelle.
"""
from __future__ import annotations

from typing import Iterator

from grader.rules.dockerfile._parse import Dockerfile
from grader.rules.images import parse_image
from grader.rules.model import Finding, finding

ID = "dockerfile-small-final-image"
REF = 35
KINDS = ("dockerfile",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "L'étape finale part de {image}, une image de construction."
HINT_FR = "Construisez dans une première étape (`AS build`) et copiez le résultat dans une image d'exécution légère."
TOOLCHAINS = {"maven", "gradle", "golang", "rust", "gcc", "sbt", "buildpack-deps", "sdk"}


def check(obj: Dockerfile, ctx) -> Iterator[Finding]:
    final = obj.final
    if final is None or final.unresolved or final.image.lower() in obj.aliases:
        return
    parsed = parse_image(final.image)
    base = parsed.name.rsplit("/", 1)[-1].lower()
    if base in TOOLCHAINS or "jdk" in (parsed.tag or "").lower() or base.endswith("-jdk"):
        yield finding(line=final.line, image=final.image)
