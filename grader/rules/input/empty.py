"""Fichier vide : rien à vérifier.

Ce que vérifie la règle
    Signale un fichier (ou un rendu Helm) qui ne contient aucun document, pour que l'oubli d'un
    contenu ne passe pas pour un succès.

Pourquoi
    Hors tableau (REF 0), information seulement : un fichier vide ne viole aucune règle.

Exemple refusé
```yaml
# rien ici
```

À la place
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-cm
data:
  LOG_LEVEL: info
```

Limites connues
    Un Dockerfile vide est en revanche inutilisable (règle input-unusable).
"""
from __future__ import annotations

ID = "input-empty"
REF = 0
KINDS = ("manifest", "helm_values", "gitlab_ci")
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Fichier vide : aucun document à vérifier."
HINT_FR = "Vérifiez que c'est bien le fichier attendu."


def check(obj, ctx):
    """Raised by the loader, never by a document: nothing to do here."""
    return iter(())
