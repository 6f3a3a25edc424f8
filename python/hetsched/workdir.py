"""Packing a job's workdir: the Python side of `hetsched submit --workdir`.

The rules are the CLI's (common/workdir_ignore.h, common/workdir_archive.h):
DIR/.hetschedignore, else DIR/.gitignore, in the common subset of
.gitignore syntax; `.git` is always left out; only regular files,
directories and symbolic links that stay inside DIR are packed, sorted,
with no owners or times, modes 0644/0755, as a gzip-compressed tar.
The archive's sha256 is its address on the scheduler.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
from dataclasses import dataclass
from typing import List, Tuple

__all__ = ["DEFAULT_MAX_BYTES", "IgnoreRules", "glob_match", "pack"]

#: The default bound on a packed workdir (the CLI's --workdir-max-bytes).
DEFAULT_MAX_BYTES = 64 << 20


def _class_match(glob: str, c: str) -> Tuple[bool, int]:
    """Matches one `[...]` class at the start of `glob` against `c`:
    (matched, length), length 0 when it is not a closed class."""
    i, negate, matched = 1, False, False
    if i < len(glob) and glob[i] in "!^":
        negate, i = True, i + 1
    first = i
    while i < len(glob):
        if glob[i] == "]" and i > first:
            return matched != negate, i + 1
        if i + 2 < len(glob) and glob[i + 1] == "-" and glob[i + 2] != "]":
            matched = matched or glob[i] <= c <= glob[i + 2]
            i += 3
            continue
        matched = matched or glob[i] == c
        i += 1
    return False, 0


def glob_match(glob: str, text: str) -> bool:
    """fnmatch over '/'-separated paths: `*` and `?` stop at '/', `**`
    crosses it, `[...]` is a class."""
    if not glob:
        return not text
    if glob.startswith("**"):
        rest = glob[2:]
        if not rest:
            return True
        if rest[0] == "/":
            rest = rest[1:]
            return glob_match(rest, text) or any(
                text[i] == "/" and glob_match(rest, text[i + 1:])
                for i in range(len(text)))
        return any(glob_match(rest, text[i:]) for i in range(len(text) + 1))
    head = glob[0]
    if head == "*":
        for i in range(len(text) + 1):
            if glob_match(glob[1:], text[i:]):
                return True
            if i < len(text) and text[i] == "/":
                break
        return False
    if head == "?":
        return bool(text) and text[0] != "/" and glob_match(glob[1:], text[1:])
    if head == "[":
        matched, length = (_class_match(glob, text[0])
                           if text and text[0] != "/" else (False, 0))
        if matched:
            return glob_match(glob[length:], text[1:])
        if length or not text or text[0] != "[":
            return False
    if head == "\\" and len(glob) > 1:
        return bool(text) and text[0] == glob[1] and glob_match(glob[2:],
                                                                text[1:])
    return bool(text) and text[0] == head and glob_match(glob[1:], text[1:])


@dataclass
class _Rule:
    glob: str
    negate: bool
    dir_only: bool
    anchored: bool


class IgnoreRules:
    """The rules of one ignore file; the last matching line wins."""

    def __init__(self, text: str = "") -> None:
        self._rules: List[_Rule] = []
        for line in text.split("\n"):
            line = line.rstrip("\r")
            while line.endswith(" ") and not line.endswith("\\ "):
                line = line[:-1]
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            if negate:
                line = line[1:]
            elif line.startswith(("\\!", "\\#")):
                line = line[1:]
            dir_only = line.endswith("/")
            if dir_only:
                line = line[:-1]
            anchored = line.startswith("/")
            if anchored:
                line = line[1:]
            anchored = anchored or "/" in line
            if line:
                self._rules.append(_Rule(line, negate, dir_only, anchored))

    @classmethod
    def for_directory(cls, directory: str) -> "IgnoreRules":
        """DIR/.hetschedignore, else DIR/.gitignore, else no rules."""
        for name in (".hetschedignore", ".gitignore"):
            try:
                with open(os.path.join(directory, name),
                          encoding="utf-8", errors="replace") as f:
                    return cls(f.read())
            except OSError:
                continue
        return cls()

    def ignored(self, path: str, is_dir: bool) -> bool:
        """Whether `path` (relative, '/'-separated) is left out."""
        name = path.rsplit("/", 1)[-1]
        if name == ".git":
            return True
        ignored = False
        for rule in self._rules:
            if (rule.dir_only and not is_dir) or rule.negate != ignored:
                continue
            if glob_match(rule.glob, path if rule.anchored else name):
                ignored = not rule.negate
        return ignored


def _stays_inside(at: str, target: str) -> bool:
    if not target or target.startswith("/"):
        return False
    depth = at.count("/")
    for part in target.split("/"):
        if part in ("", "."):
            continue
        depth += -1 if part == ".." else 1
        if depth < 0:
            return False
    return True


class WorkdirTooLarge(ValueError):
    """The directory packs to more than the limit."""


def pack(directory: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The archive of `directory`.

    Raises:
      NotADirectoryError: `directory` is not one.
      ValueError: a symbolic link points outside it.
      WorkdirTooLarge: it packs to more than `max_bytes`.
    """
    if not os.path.isdir(directory):
        raise NotADirectoryError(f"{directory}: not a directory")
    rules = IgnoreRules.for_directory(directory)
    raw = io.BytesIO()
    # mtime=0 and no file name in the gzip header: the same tree, the same
    # digest.
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w",
                          format=tarfile.PAX_FORMAT) as tar:
            _add_tree(tar, directory, "", rules, raw, max_bytes)
    data = raw.getvalue()
    if len(data) > max_bytes:
        raise WorkdirTooLarge(f"{directory}: packs to more than {max_bytes} "
                              "bytes (exclude what the job does not need in "
                              ".hetschedignore, or raise the limit)")
    return data


def _add_tree(tar: tarfile.TarFile, root: str, rel: str, rules: IgnoreRules,
              raw: io.BytesIO, max_bytes: int) -> None:
    for name in sorted(os.listdir(os.path.join(root, rel) if rel else root)):
        path = f"{rel}/{name}" if rel else name
        full = os.path.join(root, path)
        st = os.lstat(full)
        is_dir = stat.S_ISDIR(st.st_mode)
        if rules.ignored(path, is_dir):
            continue
        info = tarfile.TarInfo(path)
        info.mtime = 0
        if is_dir:
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
            _add_tree(tar, root, path, rules, raw, max_bytes)
        elif stat.S_ISLNK(st.st_mode):
            target = os.readlink(full)
            if not _stays_inside(path, target):
                raise ValueError(f"{full}: a symbolic link to '{target}', "
                                 "outside the workdir; exclude it in "
                                 ".hetschedignore")
            info.type, info.mode, info.linkname = tarfile.SYMTYPE, 0o777, target
            tar.addfile(info)
        elif stat.S_ISREG(st.st_mode):
            info.mode = 0o755 if st.st_mode & 0o111 else 0o644
            info.size = st.st_size
            with open(full, "rb") as f:
                tar.addfile(info, f)
        if raw.tell() > max_bytes:
            raise WorkdirTooLarge(
                f"{root}: packs to more than {max_bytes} bytes (exclude what "
                "the job does not need in .hetschedignore, or raise the "
                "limit)")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
