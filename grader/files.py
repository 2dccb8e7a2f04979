"""Bounded reading of files a user gives the kit: regular files only, a size cap, French errors.

`stat` first: a device (`/dev/zero`), a FIFO, a socket or a folder is refused without being opened,
so nothing blocks or reads without end; then the file is opened non-blocking, checked again
(it may have been swapped) and read up to its cap.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from grader.errors import InputError

MAX_BYTES = 4 * 2**20   # default cap of one file

_ERRNO_FR = {
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.ENAMETOOLONG: "chemin trop long",
    errno.ELOOP: "trop de liens symboliques (boucle ?)",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.EIO: "erreur d'entrée-sortie du disque",
    errno.EMFILE: "trop de fichiers ouverts",
    errno.ENOSPC: "disque plein",
    errno.EROFS: "système de fichiers en lecture seule",
}


def os_error_fr(error: OSError) -> str:
    """A French description of an OS error, the original kept as detail."""
    french = _ERRNO_FR.get(error.errno or 0, "erreur du système")
    detail = error.strerror or str(error) or type(error).__name__
    return f"{french} (détail : {detail})"


class Unreadable(InputError):
    """A user file that cannot be read safely: special file, too big, unreadable, not UTF-8."""

    def __init__(self, shown: str, reason: str, *, hint_fr: str | None = None):
        super().__init__(f"{shown} : {reason}." if shown else reason[:1].upper() + reason[1:] + ".", hint_fr=hint_fr)
        self.reason = reason


def _kind_of(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "c'est un dossier, pas un fichier"
    if stat.S_ISFIFO(mode):
        return "c'est un tube nommé (FIFO), pas un fichier ordinaire : je ne le lis pas"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "c'est un périphérique (comme /dev/null ou /dev/zero), pas un fichier ordinaire : je ne le lis pas"
    if stat.S_ISSOCK(mode):
        return "c'est une socket, pas un fichier ordinaire : je ne la lis pas"
    return "ce n'est pas un fichier ordinaire : je ne le lis pas"


def _too_big(shown: str, size: int, limit: int) -> Unreadable:
    return Unreadable(shown, f"fichier trop gros ({size / 2**20:.1f} Mo, limite {limit / 2**20:g} Mo)",
                      hint_fr="Vérifiez qu'il s'agit du bon fichier ; découpez-le s'il le faut.")


def read_bytes(path: str | Path, *, limit: int = MAX_BYTES, shown: str | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or `Unreadable` (French)."""
    shown = shown if shown is not None else str(path)
    if str(path) == "":
        raise Unreadable("", "chemin vide : aucun fichier à lire", hint_fr="Donnez le chemin d'un fichier.")
    try:
        info = os.stat(path)
    except (OSError, ValueError) as error:
        reason = os_error_fr(error) if isinstance(error, OSError) else "chemin invalide (caractère nul ?)"
        raise Unreadable(shown, f"lecture impossible : {reason}",
                         hint_fr="Vérifiez le chemin et les droits du fichier.") from error
    special = _kind_of(info.st_mode)
    if special:
        raise Unreadable(shown, special, hint_fr="Donnez le chemin d'un fichier texte ordinaire.")
    if info.st_size > limit:
        raise _too_big(shown, info.st_size, limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise Unreadable(shown, f"lecture impossible : {os_error_fr(error)}",
                         hint_fr="Vérifiez le chemin et les droits du fichier.") from error
    try:
        special = _kind_of(os.fstat(fd).st_mode)       # swapped for a FIFO/device between stat and open
        if special:
            raise Unreadable(shown, special, hint_fr="Donnez le chemin d'un fichier texte ordinaire.")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(2**20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as error:
        raise Unreadable(shown, f"lecture impossible : {os_error_fr(error)}",
                         hint_fr="Vérifiez le fichier et relancez.") from error
    finally:
        os.close(fd)
    if total > limit:
        raise _too_big(shown, total, limit)
    return b"".join(chunks)


def read_text(path: str | Path, *, limit: int = MAX_BYTES, shown: str | None = None) -> str:
    """The UTF-8 text (BOM allowed) of a regular file of at most `limit` bytes, or `Unreadable` (French)."""
    shown = shown if shown is not None else str(path)
    raw = read_bytes(path, limit=limit, shown=shown)
    if b"\0" in raw[:8192]:
        raise Unreadable(shown, "fichier binaire, pas du texte",
                         hint_fr="Donnez le fichier source (YAML, Dockerfile, JSON).")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Unreadable(shown, f"encodage non UTF-8 (octet n° {error.start})",
                         hint_fr="Enregistrez le fichier en UTF-8.") from error
