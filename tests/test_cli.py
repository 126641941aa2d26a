"""The operator's command line: every failure is one clear line and a documented exit code, never a
Python traceback (run as a real process, as an operator would)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.cli import main
from schemas.errors import ExitCode
from tests.conftest import REPO, SAMPLES_DIR

TXT = SAMPLES_DIR / "report-2023-02-travinh-eng.txt"
FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")


def baocao(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return done


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("ERROR ")]


def test_existing_file_as_out_is_an_output_error(tmp_path: Path) -> None:
    taken = tmp_path / "report.parquet"
    taken.write_text("not a folder")
    done = baocao("run", TXT, "--out", taken, "--jobs", "1")
    assert done.returncode == ExitCode.OUTPUT_ERROR
    assert _error_lines(done.stderr) == [
        f"ERROR --out {taken} is (or is inside) a file, not a folder: give a folder for the dataset"
    ]
    assert taken.read_text() == "not a folder"


def test_unwritable_out_is_an_output_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        out = Path("/proc/baocao-cannot-write-here")  # root may write anywhere a normal folder is
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        out = locked / "out"
    done = baocao("run", TXT, "--out", out, "--jobs", "1")
    assert done.returncode == ExitCode.OUTPUT_ERROR
    (line,) = _error_lines(done.stderr)
    assert line.startswith(f"ERROR cannot write the dataset to {out}: ")
    assert line.endswith("choose another --out or fix its permissions")


def test_unreachable_scheduler_is_one_line_within_the_connect_timeout(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    done = baocao("run", TXT, "--out", tmp_path / "out", "--scheduler", address, "--connect-timeout", "1")
    assert done.returncode == ExitCode.SCHEDULER_UNREACHABLE
    (line,) = _error_lines(done.stderr)
    assert line.startswith(f"ERROR cannot reach the Dask scheduler at {address} within 1 s")
    assert not (tmp_path / "out").exists()


def test_restore_of_a_missing_file(tmp_path: Path) -> None:
    done = baocao("restore", tmp_path / "missing.txt")
    assert done.returncode == ExitCode.SOME_INPUTS_FAILED
    assert _error_lines(done.stderr) == [
        f"ERROR cannot read {tmp_path / 'missing.txt'}: No such file or directory; check the path"
    ]


def test_restore_reads_a_windows_1258_file(tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes("Tra Vinh, ngay 14 thang 02 nam 2023\n".encode("cp1258"))
    done = baocao("restore", legacy, "-q")
    assert done.returncode == ExitCode.OK
    assert done.stdout.startswith("Trà Vinh, ngày 14 tháng 02 năm 2023")


def test_missing_input_is_an_error_on_the_console_and_writes_no_dataset(tmp_path: Path) -> None:
    done = baocao("run", tmp_path / "typo.pdf", "--out", tmp_path / "out")
    assert done.returncode == ExitCode.SOME_INPUTS_FAILED
    assert f"ERROR {tmp_path / 'typo.pdf'}: no such file or folder: check the path" in done.stderr
    assert "WARNING" not in done.stderr.replace("WARNING no input to process", "")
    assert "ERROR typo.pdf: input.not_found" in done.stdout  # the summary says it too
    assert not (tmp_path / "out").exists()


def test_quiet_and_verbose_after_the_subcommand(tmp_path: Path) -> None:
    quiet = baocao("run", TXT, "--out", tmp_path / "q", "--jobs", "1", "-q")
    assert quiet.returncode == ExitCode.OK
    assert quiet.stderr == "" and "1 processed" in quiet.stdout
    bad = baocao("run", TXT, "--out", tmp_path / "b", "--jobs", "nine")
    assert (
        bad.returncode == ExitCode.BAD_ARGS
        and "argument --jobs: must be a whole number, got 'nine'" in bad.stderr
    )


def test_verbose_shows_our_stages_with_timings_and_no_image_library_debug(tmp_path: Path) -> None:
    page = tmp_path / "page.png"
    img = Image.new("L", (1400, 300), 255)
    font = ImageFont.truetype(str(FONT), 44) if FONT.exists() else ImageFont.load_default()
    ImageDraw.Draw(img).text((50, 120), "thu hồi 47 chứng thư số", font=font, fill=0)
    img.save(page, dpi=(300, 300))
    done = baocao("run", page, "--out", tmp_path / "v", "--jobs", "1", "-v")
    assert done.returncode == ExitCode.OK
    debug = [line for line in done.stderr.splitlines() if line.startswith("DEBUG ")]
    # A line per page of progress, then one per document with its stage timings; PIL's "STREAM b'IHDR'"
    # lines are not ours.
    pages = [line for line in debug if line.endswith(": page 1/1")]
    timings = [line for line in debug if line not in pages]
    assert len(pages) == 1 and len(timings) == 1
    assert "render" in timings[0] and "ocr" in timings[0] and " s" in timings[0]
    assert "STREAM" not in done.stderr
    assert "seconds per stage (summed over workers): " in done.stdout


def test_warnings_are_printed_in_the_summary(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "report.txt").write_bytes(TXT.read_bytes())
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not really")
    (folder / "same report again.txt").write_bytes(TXT.read_bytes() + b"\n")
    (folder / "same bytes.txt").write_bytes(TXT.read_bytes())
    done = baocao("run", folder, "--out", tmp_path / "out", "--jobs", "1")
    assert done.returncode == ExitCode.OK
    assert "0 errors, 3 warnings:" in done.stdout
    assert "WARNING same bytes.txt: input.duplicate: same content as" in done.stdout
    assert "WARNING notes.docx: input.unsupported: unsupported file type '.docx'" in done.stdout
    # The two files are one report (same number and date): the copy that is not kept is named.
    assert "txt: input.duplicate_report: same report as" in done.stdout


def test_rerun_with_other_settings_redoes_what_they_change_and_keeps_provenance_true(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert baocao("run", TXT, "--out", out, "--jobs", "1", "--restore", "never").returncode == 0
    # --dpi does not change a .txt: kept; the file says which rows were made with other settings.
    dpi = baocao("run", TXT, "--out", out, "--jobs", "1", "--restore", "never", "--dpi", "200")
    assert "0 processed, 1 already in the output" in dpi.stdout and "settings changed" not in dpi.stderr
    meta = json.loads(pq.read_schema(out / "reports.parquet").metadata[b"baocao.provenance"])
    assert meta["settings"]["dpi"] == 200
    assert [(s["dpi"], s["restore"]) for s in meta["settings_of_other_rows"]] == [(300, "never")]
    # --restore changes it: redone, and said so (back to --dpi 300, the default).
    redo = baocao("run", TXT, "--out", out, "--jobs", "1")
    assert redo.returncode == ExitCode.OK
    assert "settings changed since 1 documents in" in redo.stderr and "restore never → auto" in redo.stderr
    assert "1 processed (1 redone: settings changed)" in redo.stdout
    settings = json.loads(pq.read_table(out / "reports.parquet").column("settings")[0].as_py())
    assert settings["restore"] == "auto"
    meta = json.loads(pq.read_schema(out / "kpis.parquet").metadata[b"baocao.provenance"])
    assert meta["settings"]["restore"] == "auto" and "settings_of_other_rows" not in meta


def test_version_names_tesseract_and_the_models() -> None:
    done = baocao("--version")
    assert done.returncode == ExitCode.OK
    lines = done.stdout.splitlines()
    assert lines[0].startswith("baocao ") and "output schema 1.1" in lines[0]
    assert lines[1].startswith("tesseract 5.") and "vie" in lines[1]
    assert lines[2] == "in-process engine: tesseract 5.3.4 (tesserocr 2.8.0)"  # the pinned wheel
    assert any(line.startswith("restoration language model syllable_lm.npz sha256:") for line in lines)
    assert any(line.startswith("confidence calibration ") for line in lines)


def test_a_bug_is_one_line_with_exit_70_and_debug_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    import pipeline.run

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(pipeline.run, "run_batch", broken)
    assert main(["run", str(TXT), "--out", str(tmp_path / "o")]) == ExitCode.INTERNAL_ERROR
    (record,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.getMessage().startswith(
        "internal error: KeyError: 'a bug'. Run the same command with --debug"
    )
    assert record.exc_info is None  # no traceback without --debug
    with pytest.raises(KeyError):
        main(["run", str(TXT), "--out", str(tmp_path / "o"), "--debug"])


def test_eval_into_a_file_is_an_output_error(tmp_path: Path) -> None:
    taken = tmp_path / "eval"
    taken.write_text("not a folder")
    done = baocao("eval", SAMPLES_DIR, "--out", taken / "x", "--jobs", "1")
    assert done.returncode == ExitCode.OUTPUT_ERROR
    assert _error_lines(done.stderr) == [
        f"ERROR cannot write the eval to {taken / 'x'}: Not a directory; choose another --out"
    ]
