"""A Slack export as a set of named files: a zip, or the folder it unpacks to, checked before anything is read.

Nothing is ever extracted to disk: members are read as streams. The checks still refuse what no
export Slack makes would hold (paths leaving the archive, members that inflate like a zip bomb),
because such an archive was crafted or damaged, and its other contents cannot be trusted either.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Protocol

# Slack's JSON deflates about 10 to 1 (a day of identical bot alerts perhaps 50 to 1); a zip bomb
# inflates a thousand times or more, and nested ones far beyond.
MAX_RATIO = 200
# Below this a member's ratio says nothing (a file holding `[]` and padding deflates very well).
RATIO_FLOOR_BYTES = 1 << 20

GET_AN_EXPORT = (
    "Export the workspace again from Slack (Workspace settings → Import/Export Data → Export) and pass the .zip "
    "it gives you, or the folder it unpacks to."
)


class ArchiveError(Exception):
    """The export cannot be imported; the message says why and what to do. Nothing was written."""


class Export(Protocol):
    """The files of an export, by their path inside it ("users.json", "general/2026-03-01.json")."""

    label: str

    def names(self) -> list[str]:
        """Every file, as a '/'-separated path relative to the export's root."""
        ...

    def size(self, name: str) -> int:
        """A file's size in bytes, uncompressed."""
        ...

    def open(self, name: str) -> IO[bytes]:
        """A file's bytes, as a stream."""
        ...

    def close(self) -> None:
        """Release the archive."""
        ...


def open_export(path: Path) -> Export:
    """The export at `path` (a zip or a folder), checked; ArchiveError says what is wrong with it."""
    if path.is_dir():
        return _checked(FolderExport(path))
    if not path.exists():
        raise ArchiveError(f"{path} does not exist. {GET_AN_EXPORT}")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        size = path.stat().st_size
        raise ArchiveError(
            f"{path} is not a zip archive, or it is cut short ({size:,} bytes, and the zip's table of contents at "
            f"its end is missing). {GET_AN_EXPORT}"
        ) from None
    except OSError as exc:
        raise ArchiveError(f"cannot read {path}: {exc.strerror or exc}.") from None
    return _checked(ZipExport(path, archive))


@contextmanager
def opened(path: Path) -> Iterator[Export]:
    """`open_export`, closed afterwards."""
    export = open_export(path)
    try:
        yield export
    finally:
        export.close()


def escapes(name: str) -> bool:
    """Whether a member path points outside the archive (absolute, a drive, or through `..`)."""
    normal = name.replace("\\", "/")
    parts = PurePosixPath(normal).parts
    return normal.startswith("/") or (len(normal) > 1 and normal[1] == ":") or ".." in parts


class ZipExport:
    """An export as Slack hands it over: a zip archive."""

    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.label = str(path)
        self._path = path
        self._archive = archive
        self._infos = {info.filename: info for info in archive.infolist() if not info.is_dir()}
        self._prefix = ""

    def raw_names(self) -> list[str]:
        return list(self._infos)

    def links(self) -> list[str]:
        """Members stored as symbolic links (a zip made on Unix keeps the file's mode in its upper bits)."""
        return [name for name, info in self._infos.items() if stat.S_ISLNK(info.external_attr >> 16)]

    def set_root(self, prefix: str) -> None:
        self._prefix = prefix

    def names(self) -> list[str]:
        return [name[len(self._prefix) :] for name in self._infos if name.startswith(self._prefix)]

    def size(self, name: str) -> int:
        return self._infos[self._prefix + name].file_size

    def open(self, name: str) -> IO[bytes]:
        try:
            return self._archive.open(self._infos[self._prefix + name])
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise damaged(self.label, name, exc) from None

    def close(self) -> None:
        self._archive.close()

    def check_sizes(self) -> None:
        """Refuse members that inflate far beyond what JSON does (a zip bomb), one by one and all together."""
        archive_bytes = max(self._path.stat().st_size, 1)
        total = 0
        for info in self._infos.values():
            total += info.file_size
            if info.file_size >= RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ArchiveError(
                    f"{self.label}: {info.filename} would inflate from {info.compress_size:,} to {info.file_size:,} "
                    f"bytes (more than {MAX_RATIO} times; Slack's exports are about 10 times): it looks like a zip "
                    f"bomb, so it is refused. {GET_AN_EXPORT}"
                )
        if total >= RATIO_FLOOR_BYTES and total > MAX_RATIO * archive_bytes:
            raise ArchiveError(
                f"{self.label} would inflate from {archive_bytes:,} to {total:,} bytes (more than {MAX_RATIO} times; "
                f"Slack's exports are about 10 times): it looks like a zip bomb, so it is refused. {GET_AN_EXPORT}"
            )


class FolderExport:
    """An export already unpacked into a folder."""

    def __init__(self, root: Path) -> None:
        self.label = str(root)
        self._root = root.resolve()
        self._base = self._root
        self._names: list[str] = []
        for directory, _dirs, files in os.walk(self._root):
            for file_name in files:
                self._names.append((Path(directory) / file_name).relative_to(self._root).as_posix())

    def raw_names(self) -> list[str]:
        return list(self._names)

    def links(self) -> list[str]:
        """None here: links in a folder are followed, and refused only when they lead out of it (check_sizes)."""
        return []

    def set_root(self, prefix: str) -> None:
        self._base = self._root / prefix if prefix else self._root
        self._names = [name[len(prefix) :] for name in self._names if name.startswith(prefix)]

    def names(self) -> list[str]:
        return list(self._names)

    def size(self, name: str) -> int:
        return (self._base / name).stat().st_size

    def open(self, name: str) -> IO[bytes]:
        return (self._base / name).open("rb")

    def close(self) -> None:
        """Nothing to release."""

    def check_sizes(self) -> None:
        """Refuse files that are links leading out of the folder (nothing inflates here)."""
        for name in self._names:
            target = (self._root / name).resolve()
            if not target.is_relative_to(self._root):
                raise ArchiveError(
                    f"{self.label}: {name} leads outside the export (to {target}), which no Slack export holds; "
                    "it is refused."
                )


def damaged(label: str, name: str, exc: BaseException) -> ArchiveError:
    """The error for a member that cannot be read back (bad CRC, cut short)."""
    return ArchiveError(
        f"{label} is damaged: {name} cannot be read back ({exc or type(exc).__name__}), so nothing was imported. "
        f"Download it again. {GET_AN_EXPORT}"
    )


def _checked(export: ZipExport | FolderExport) -> Export:
    try:
        for name in export.raw_names():
            if escapes(name):
                raise ArchiveError(
                    f"{export.label} holds a path outside itself ({name}), which no Slack export does: it was made by "
                    f"hand or tampered with, so it is refused. {GET_AN_EXPORT}"
                )
        for name in export.links():
            raise ArchiveError(
                f"{export.label} holds a symbolic link ({name}), which no Slack export does: it was made by hand or "
                f"tampered with, so it is refused. {GET_AN_EXPORT}"
            )
        export.set_root(_root_prefix(export.raw_names()))
        export.check_sizes()
    except BaseException:
        export.close()
        raise
    return export


def _root_prefix(names: list[str]) -> str:
    """ "" when users.json is at the top; "acme/" when the export was zipped inside one folder."""
    if "users.json" in names or "channels.json" in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names if "/" in name}
    if len(tops) == 1:
        top = tops.pop()
        if f"{top}/users.json" in names or f"{top}/channels.json" in names:
            return f"{top}/"
    return ""
