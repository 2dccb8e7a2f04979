"""The kit's one YAML reader: bounded work on any input, French errors, the line of every key.

Every YAML the kit reads from a user (learner files, `exercise.yaml`, Helm values, CI files,
kubeconfigs) goes through `load_all` or `safe_load`. Before anything is built from the parsed nodes:
- aliases may not expand the document by more than `MAX_ALIAS_NODES` nodes ("billion laughs": a
  1 kB file that would expand to 10⁹ nodes is refused in milliseconds), and a recursive alias is refused;
- nesting deeper than `MAX_DEPTH` is refused (no `RecursionError` further down).
PyYAML's English problem is translated to French; the original is kept as detail.

Paths use the evidence format of the rules: `spec/template/spec/containers/[0]/image`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from grader.errors import InputError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_ALIAS_NODES = 10_000   # extra nodes that aliases may add to a document
MAX_DEPTH = 100            # a Kubernetes object is rarely 20 levels deep

# PyYAML problems → French (the original stays in parentheses as detail).
_PROBLEMS_FR = {
    "mapping values are not allowed": "deux-points inattendu (clé mal indentée ou valeur à mettre entre guillemets)",
    "found character '\\t' that cannot start any token": "tabulation interdite : indentez avec des espaces",
    "found unexpected end of stream": "fin de fichier inattendue (guillemet ou crochet non fermé ?)",
    "could not find expected ':'": "deux-points « : » attendu",
    "did not find expected key": "clé attendue (indentation incohérente ?)",
    "did not find expected '-' indicator": "tiret « - » attendu (liste mal indentée ?)",
    "did not find expected node content": "valeur attendue",
    "found undefined alias": "alias inconnu (« *nom » sans « &nom » avant)",
    "found duplicate anchor": "ancre « & » définie deux fois",
    "exceeded maximum nesting depth": "imbrication trop profonde",
    "found unknown escape character": "séquence d'échappement inconnue entre guillemets doubles",
    "expected <block end>, but found": "indentation incohérente",
    "found character that cannot start any token": "caractère qui ne peut pas commencer une valeur (guillemets ?)",
    "found unacceptable character": "caractère interdit dans un fichier YAML",
    "expected a single document in the stream": "un seul document attendu (pas de « --- » en plus)",
    "found a tab character where an indentation space is expected": "tabulation à la place d'un espace d'indentation",
    "expected ',' or ']', but got": "virgule « , » ou « ] » attendu",
    "expected ',' or '}', but got": "virgule « , » ou « } » attendu",
}


@dataclass
class YamlDoc:
    data: Any
    line: int                                       # 1-based line of the document start
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int | None:
        """Line of `path` or of its nearest ancestor present in the file."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rpartition("/")[0]
        return self.line


@dataclass
class YamlSyntaxError:
    line: int | None
    problem: str            # French, with PyYAML's original wording as detail
    column: int | None = None


class _Refused(Exception):
    """A document the kit will not build (too many alias nodes, too deep)."""

    def __init__(self, problem: str, line: int | None):
        super().__init__(problem)
        self.problem, self.line = problem, line


def french_problem(problem: str) -> str:
    """PyYAML's problem in French, the English original kept in parentheses."""
    problem = problem.strip().rstrip(".")
    for english, french in _PROBLEMS_FR.items():
        if problem.startswith(english) or english in problem:
            return f"{french} (détail : {problem})"
    return f"syntaxe refusée par le lecteur YAML (détail : {problem})"


def _bound(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand it by more than MAX_ALIAS_NODES, or deeper than MAX_DEPTH.

    Iterative, each node visited once: the expanded size is summed over the node graph with memoised sizes."""
    size: dict[int, int] = {}
    distinct = 0
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    open_nodes: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            children = _children(node)
            size[key] = 1 + sum(size[id(c)] for c in children)
            open_nodes.discard(key)
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise _Refused("alias récursif (une ancre qui se contient elle-même)", node.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise _Refused(f"imbrication de plus de {MAX_DEPTH} niveaux", node.start_mark.line + 1)
        distinct += 1
        open_nodes.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise _Refused("alias récursif (une ancre qui se contient elle-même)", child.start_mark.line + 1)
            if id(child) not in size:
                stack.append((child, depth + 1, False))
    if size[id(root)] - distinct > MAX_ALIAS_NODES:
        raise _Refused(f"les alias (« *nom ») démultiplient le document au-delà de {MAX_ALIAS_NODES} éléments "
                       "(fichier piège de type « billion laughs »)", root.start_mark.line + 1)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _walk(root: yaml.Node, out: dict[str, int]) -> None:
    """Line of every key path; each node walked once (shared alias targets under their first path)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack:
        node, prefix = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                if isinstance(key, yaml.ScalarNode):
                    path = f"{prefix}/{key.value}" if prefix else str(key.value)
                    out.setdefault(path, key.start_mark.line + 1)
                    stack.append((value, path))
        elif isinstance(node, yaml.SequenceNode):
            for index in range(len(node.value) - 1, -1, -1):
                item = node.value[index]
                path = f"{prefix}/[{index}]" if prefix else f"[{index}]"
                out.setdefault(path, item.start_mark.line + 1)
                stack.append((item, path))


def load_all(text: str, *, line_offset: int = 0,
             loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> tuple[list[YamlDoc], YamlSyntaxError | None]:
    """Documents of a YAML stream; on an error, the documents before it and the error (in French).
    `loader`: a SafeLoader subclass that knows more tags (GitLab's `!reference`)."""
    docs: list[YamlDoc] = []
    constructor = loader("")
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:
                continue
            _bound(node)
            data = constructor.construct_document(node)
            lines: dict[str, int] = {}
            _walk(node, lines)
            docs.append(YamlDoc(data, node.start_mark.line + 1 + line_offset,
                                {k: v + line_offset for k, v in lines.items()}))
    except _Refused as error:
        return docs, YamlSyntaxError(error.line + line_offset if error.line else None, error.problem)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        return docs, YamlSyntaxError(mark.line + 1 + line_offset if mark else None, french_problem(str(problem)),
                                     mark.column + 1 if mark else None)
    except (ValueError, TypeError, OverflowError, RecursionError) as error:  # e.g. bad timestamps
        return docs, YamlSyntaxError(None, f"valeur que le lecteur YAML ne sait pas construire "
                                           f"(détail : {type(error).__name__}: {str(error)[:200]})")
    return docs, None


def safe_load_all(text: str, source: str, *, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> list[Any]:
    """The documents of `text` (None documents dropped), or a French `InputError` naming `source`."""
    docs, error = load_all(text, loader=loader)
    if error is not None:
        where = f" (ligne {error.line}" + (f", colonne {error.column})" if error.column else ")") if error.line else ""
        raise InputError(f"{source} : YAML illisible{where} : {error.problem}.",
                         hint_fr="Vérifiez l'indentation (des espaces, pas de tabulations), les « : » et les "
                                 "guillemets ; n'utilisez pas d'alias qui démultiplient le fichier.")
    return [d.data for d in docs if d.data is not None]


def safe_load(text: str, source: str, *, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """The single document of `text` (None if empty), or a French `InputError` naming `source`."""
    docs = safe_load_all(text, source, loader=loader)
    if len(docs) > 1:
        raise InputError(f"{source} : un seul document YAML attendu, {len(docs)} trouvés (séparés par « --- »).",
                         hint_fr="Gardez un seul document dans ce fichier.")
    return docs[0] if docs else None
