"""The Parquet contract: columns, dtypes and schema version are stable; writes are atomic."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.export import CURRENT, GENERATIONS, STAGING, DatasetWriter
from pipeline.run import run_batch
from pipeline.settings import RunSettings
from pipeline.tables import OUTPUT_FILES, SCHEMAS
from schemas import SCHEMA_VERSION
from schemas.errors import OutputError

TEXT = "Trà Vinh, ngày 18 tháng 3 năm 2021\nBÁO CÁO\ntháng 3 và quý I/2021\nthu hồi 47 chứng thư số\n"


@pytest.fixture()
def out(tmp_path: Path) -> Path:
    src = tmp_path / "r.txt"
    src.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    run_batch([src], out, RunSettings(jobs=1))
    return out


def test_tables_have_the_documented_schema_and_version(out: Path) -> None:
    for name, schema in SCHEMAS.items():
        written = pq.read_schema(out / f"{name}.parquet")
        assert written.remove_metadata().equals(schema), name
        meta = written.metadata
        assert meta[b"baocao.schema_version"] == SCHEMA_VERSION.encode()
        assert b'"pipeline_version"' in meta[b"baocao.provenance"]
        assert b'"lang": "vie"' in meta[b"baocao.provenance"]


def test_no_temporary_or_staged_files_remain(out: Path) -> None:
    assert sorted(p.name for p in out.iterdir() if p.name != ".lock") == sorted(
        [*(f"{n}.parquet" for n in OUTPUT_FILES), STAGING, GENERATIONS, CURRENT]
    )
    assert list((out / STAGING).iterdir()) == []
    # One published generation, which every table link reads through.
    assert [p.name for p in (out / GENERATIONS).iterdir()] == ["000001"]
    assert os.readlink(out / CURRENT) == f"{GENERATIONS}/000001"
    for name in SCHEMAS:
        assert os.readlink(out / f"{name}.parquet") == f"{CURRENT}/{name}.parquet"
        assert (out / GENERATIONS / "000001" / f"{name}.parquet").is_file()


def test_staged_parts_of_a_killed_run_are_folded_in_next_time(out: Path, tmp_path: Path) -> None:
    # A run killed after staging a document but before commit: the part is whole and visible next time.
    src = tmp_path / "r2.txt"
    src.write_text(TEXT.replace("47", "48"), encoding="utf-8")
    from pipeline.discover import InputFile
    from pipeline.process import process_document

    result = process_document(InputFile(src, "txt"), RunSettings(jobs=1))
    writer = DatasetWriter(out, {"pipeline_version": "test"})
    writer.stage(result)
    assert result.report.document_id in {m["document_id"] for m in writer.made_documents()}
    writer.close()  # "killed": no commit (the kernel releases the lock of a killed process)
    summary = run_batch([src], out, RunSettings(jobs=1))
    assert summary.skipped_already_done == 1
    reports = pq.read_table(out / "reports.parquet").to_pylist()
    assert {Path(r["source_path"]).name for r in reports} == {"r.txt", "r2.txt"}


def test_a_filesystem_without_symlinks_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "r.txt"
    src.write_text(TEXT, encoding="utf-8")

    def no_symlinks(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "symlink", no_symlinks)
    with pytest.raises(OutputError, match=r"filesystem without symbolic links .* use an --out on a Linux"):
        run_batch([src], tmp_path / "out", RunSettings(jobs=1))
    assert not (tmp_path / "out" / "reports.parquet").exists()
    assert [p.name for p in (tmp_path / "out" / STAGING).iterdir()] == [staged_id(src)]


def staged_id(path: Path) -> str:
    from pipeline.process import file_sha256

    return file_sha256(path)
