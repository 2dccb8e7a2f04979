"""Fichier inutilisable : illisible, binaire, trop gros, YAML invalide, chart Helm qui ne se rend pas.

Ce que vérifie la règle
    Chaque chemin donné à `cpin lint` doit pouvoir être lu : fichier texte UTF-8, YAML bien formé,
    Dockerfile avec au moins un `FROM`, chart Helm que `helm template` sait rendre. Sinon le fichier
    est signalé avec la ligne fautive quand elle est connue, et les autres fichiers sont vérifiés.

Pourquoi
    Hors tableau (REF 0). ArgoCD ne peut pas synchroniser un fichier illisible et la chaîne DSO ne peut
    pas construire une image sans Dockerfile valide : rien d'autre n'est vérifiable sur ce fichier.
    `cpin lint` sort alors avec le code 2.

Exemple refusé
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-cm
data:
  key: [non fermé
```

À la place
```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-cm
data:
  key: "[fermé]"
```

Limites connues
    Un fichier de plus de 4 Mo est refusé sans être lu : un objet Kubernetes ne peut de toute façon
    pas dépasser 1,5 Mo (limite d'etcd). Sont aussi refusés sans être ouverts : périphériques
    (/dev/null, /dev/zero), tubes nommés et sockets. Un YAML dont les alias (« *nom ») ajoutent plus
    de 10 000 éléments ou qui s'imbrique sur plus de 100 niveaux est refusé. Un dossier illisible,
    trop profond (plus de 40 niveaux) ou au chemin trop long est signalé ; une vérification s'arrête,
    en le signalant, après 5 000 fichiers, 64 Mo ou 50 000 objets.
"""
from __future__ import annotations

ID = "input-unusable"
REF = 0
KINDS = ("manifest", "dockerfile", "helm_values", "gitlab_ci")
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Fichier inutilisable : {reason}"
HINT_FR = "{hint}"


def check(obj, ctx):
    """Raised by the loader, never by a document: nothing to do here."""
    return iter(())
