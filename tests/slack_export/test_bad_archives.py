"""Bad archives: a clear refusal that says what to do next, and nothing written; or one bad day file left out."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from slack_export.archive import ArchiveError
from store import people
from store.models import Base, Decision
from tests.slack_export.acme import DAY2, REORG_TEXT, SHIP, acme
from tests.slack_export.conftest import Importer
from tests.support import TEAM_ID

AGAIN = "Export the workspace again from Slack"


def _nothing_written(factory: sessionmaker[Session]) -> bool:
    with factory() as session:
        return all(session.execute(select(table)).first() is None for table in Base.metadata.sorted_tables)


def _refused(run_import: Importer, path: Path, **options: Any) -> str:
    with pytest.raises(ArchiveError) as refused:
        run_import(path, **options)
    return str(refused.value)


def test_a_file_that_is_not_a_zip_is_refused(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    path = tmp_path / "export.zip"
    path.write_text("<html>Your download expired</html>")

    message = _refused(run_import, path)

    assert "is not a zip archive" in message and AGAIN in message
    assert _nothing_written(factory)


def test_a_truncated_zip_is_refused(tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]) -> None:
    whole = acme().zip(tmp_path / "whole.zip").read_bytes()
    path = tmp_path / "export.zip"
    path.write_bytes(whole[: len(whole) * 2 // 3])

    message = _refused(run_import, path)

    assert "cut short" in message and AGAIN in message
    assert _nothing_written(factory)


@pytest.mark.parametrize("missing", ["users.json", "channels.json"])
def test_an_archive_without_users_or_channels_is_not_an_export(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session], missing: str
) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in acme().files().items():
            if name != missing:
                archive.writestr(name, content)

    message = _refused(run_import, path)

    assert f"has no {missing}, so it is not a Slack workspace export" in message
    assert _nothing_written(factory)


def test_a_users_json_that_is_not_json_is_refused(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    export = acme()
    export.users = b'[{"id": "U1", "name": "ann"}, {"id": "U2", "na'

    message = _refused(run_import, export.zip(tmp_path / "export.zip"))

    assert "users.json is not valid JSON" in message and AGAIN in message
    assert _nothing_written(factory)


def test_a_malformed_day_file_is_left_out_by_name_and_the_rest_imported(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    export = acme()
    export.days["leads"][DAY2] = b'[{"type": "message", "ts": "1772200000.000100", "text": "cut'
    export.days["general"]["2026-02-28"] = b'{"not": "a list"}'

    summary = run_import(export.zip(tmp_path / "export.zip"))

    assert summary.complete
    text = "\n".join(summary.lines())
    assert f"not read  leads/{DAY2}.json: not valid JSON" in text
    assert "not read  general/2026-02-28.json: not a JSON array" in text
    with factory() as session:
        filed = {d.text for d in session.scalars(select(Decision))}
    assert SHIP in filed and REORG_TEXT not in filed


def test_strict_refuses_an_export_with_a_malformed_day_file(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    export = acme()
    export.days["leads"][DAY2] = b"[{]"

    message = _refused(run_import, export.zip(tmp_path / "export.zip"), strict=True)

    assert f"leads/{DAY2}.json (not valid JSON" in message
    assert "Nothing was imported (--strict). Without --strict those files are left out" in message
    assert _nothing_written(factory)


def test_a_damaged_member_is_refused_before_anything_is_written(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in acme().files().items():
            archive.writestr(name, content)
    data = bytearray(path.read_bytes())
    # Change a letter inside the (stored, uncompressed) last day of #eng: its checksum no longer matches.
    at = data.index(b"Adopt trunk-based development")
    data[at] = ord("a")
    path.write_bytes(bytes(data))

    message = _refused(run_import, path)

    assert "is damaged: C2/2026-02-27.json cannot be read back" in message and "Download it again" in message
    assert _nothing_written(factory)


@pytest.mark.parametrize("evil", ["../../etc/cron.d/evil.json", "/etc/passwd", "general/../../x.json", "..\\..\\x"])
def test_a_path_leaving_the_archive_is_refused(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session], evil: str
) -> None:
    path = acme().zip(tmp_path / "export.zip")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(zipfile.ZipInfo(evil), b"[]")

    message = _refused(run_import, path)

    assert f"holds a path outside itself ({evil})" in message
    assert _nothing_written(factory)


def test_a_link_leading_out_of_an_unpacked_export_is_refused(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    folder = acme().folder(tmp_path / "export")
    (tmp_path / "secret.json").write_text("[]")
    os.symlink(tmp_path / "secret.json", folder / "general" / "2026-02-20.json")

    message = _refused(run_import, folder)

    assert "general/2026-02-20.json leads outside the export" in message
    assert _nothing_written(factory)


@pytest.mark.parametrize("target", ["/etc/passwd", "users.json"])
def test_a_symbolic_link_inside_a_zip_is_refused(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session], target: str
) -> None:
    path = acme().zip(tmp_path / "export.zip")
    with zipfile.ZipFile(path, "a") as archive:
        link = zipfile.ZipInfo("general/2026-02-20.json")
        # How `zip --symlinks` stores a link: the Unix mode in the upper bits, the target as the content.
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, target)

    message = _refused(run_import, path)

    assert "holds a symbolic link (general/2026-02-20.json)" in message and AGAIN in message
    assert "\n" not in message
    assert _nothing_written(factory)


def test_a_zip_bomb_is_refused(tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]) -> None:
    path = acme().zip(tmp_path / "export.zip")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        # 32 MB of blanks deflate to about 32 KB.
        archive.writestr("general/2026-02-20.json", b"[" + b" " * (32 << 20) + b"]")

    message = _refused(run_import, path)

    assert "general/2026-02-20.json would inflate from" in message and "it looks like a zip bomb" in message
    assert _nothing_written(factory)


def test_an_export_of_another_workspace_is_refused_unless_forced(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    path = acme().zip(tmp_path / "export.zip")

    message = _refused(run_import, path, team_id="T0THER")

    assert f"is an export of workspace {TEAM_ID}, not T0THER: check --team" in message and "--force" in message
    assert _nothing_written(factory)

    summary = run_import(path, team_id="T0THER", force=True)

    assert summary.complete and summary.decisions_new == 5
    with factory() as session:
        ann = people.get_person(session=session, team_id="T0THER", user_id="U1")
        # Members of the exported workspace, not strangers: they file decisions, they are not told off.
        assert ann is not None and not ann.is_external


def test_an_export_zipped_inside_one_folder_is_read(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    summary = run_import(acme().zip(tmp_path / "export.zip", inside="Acme Slack export Feb 2026/"))

    assert summary.complete and summary.decisions_new == 5
