"""Hostile and broken archives: every failure stays with its input, nothing hangs, nothing escapes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.run import run_batch
from pipeline.settings import RunSettings

TEXT = "Trà Vinh, ngày 18 tháng 3 năm 2021\nBÁO CÁO\nquý I/2021\nthu hồi 47 chứng thư số\n"


def _page(path: Path, text: str = "thu hồi 47 chứng thư số, cấp mới 92 chứng thư số") -> None:
    img = Image.new("L", (1800, 400), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 40)
    ImageDraw.Draw(img).text((60, 150), text, font=font, fill=0)
    img.save(path, dpi=(300, 300))


def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink() and not p.name.endswith("pipe.pdf"):
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest() + str(p.stat().st_mtime_ns)
    return out


def _codes(out: Path) -> dict[str, set[str]]:
    problems = pd.read_parquet(out / "problems.parquet")
    result: dict[str, set[str]] = {}
    for row in problems.itertuples():
        result.setdefault(Path(row.source_path).name, set()).add(row.code)
    return result


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    d = tmp_path / "lưu trữ 2005"
    (d / "sub").mkdir(parents=True)
    (d / "báo cáo\nmới tháng 3.txt").write_text(TEXT, encoding="utf-8")
    (d / "loop.pdf").symlink_to(d / "loop.pdf")  # a symlink pointing at itself
    (d / "sub" / "up").symlink_to(d, target_is_directory=True)  # a folder loop: must not be walked forever
    os.mkfifo(d / "pipe.pdf")  # reading it would block forever
    (d / "random.png").write_bytes(os.urandom(4096))
    (d / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000))
    # 400 megapixels declared: a decompression bomb for a careless reader.
    Image.new("1", (20000, 20000), 1).save(d / "bomb.png")
    _page(d / "sub" / "trang.png")
    return d


def test_hostile_archive_is_contained(archive: Path, tmp_path: Path) -> None:
    before = _snapshot(tmp_path)
    out = tmp_path / "out"
    summary = run_batch([archive], out, RunSettings(jobs=2))
    codes = _codes(out)
    assert codes["loop.pdf"] == {"input.unreadable"}
    assert codes["pipe.pdf"] == {"input.special_file"}
    assert codes["random.png"] == {"input.mislabelled"}
    assert codes["broken.jpg"] == {"image.corrupt"}
    assert codes["bomb.png"] == {"page.too_large"}
    assert "trang.png" not in codes and "báo cáo\nmới tháng 3.txt" not in codes

    kpis = pd.read_parquet(out / "kpis.parquet")
    by_file = {Path(p).name: v for p, v in zip(kpis["source_path"], kpis["value"], strict=True)}
    assert by_file["báo cáo\nmới tháng 3.txt"] == 47
    assert len(summary.documents) == 5  # the two good files and the three broken images

    # Inputs untouched; nothing written outside --out.
    after = _snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith(str(out))} == before


def test_ocr_timeout_is_reported_and_the_batch_goes_on(tmp_path: Path) -> None:
    _page(tmp_path / "slow.png")
    (tmp_path / "ok.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    run_batch([tmp_path / "slow.png", tmp_path / "ok.txt"], out, RunSettings(jobs=1, page_timeout=0.01))
    assert _codes(out)["slow.png"] == {"ocr.timeout"}
    reports = pd.read_parquet(out / "reports.parquet")
    status = {Path(p).name: s for p, s in zip(reports["source_path"], reports["status"], strict=True)}
    assert status == {"slow.png": "partial", "ok.txt": "ok"}


def test_a_crashing_worker_is_replaced_and_its_page_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = []
    for i in range(3):
        _page(tmp_path / f"p{i}.png", f"thu hồi {47 + i} chứng thư số, cấp mới 92 chứng thư số")
        inputs.append(tmp_path / f"p{i}.png")
    monkeypatch.setenv("BAOCAO_TEST_CRASH_PAGE", "p1.png:1")
    out = tmp_path / "out"
    summary = run_batch(inputs, out, RunSettings(jobs=2))
    codes = _codes(out)
    assert codes == {"p1.png": {"worker.crashed"}}
    kpis = pd.read_parquet(out / "kpis.parquet")
    assert {Path(p).name for p in kpis["source_path"]} == {"p0.png", "p2.png"}
    assert len(summary.documents) == 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file(tmp_path: Path) -> None:
    p = tmp_path / "secret.txt"
    p.write_text(TEXT, encoding="utf-8")
    p.chmod(0)
    out = tmp_path / "out"
    run_batch([p], out, RunSettings(jobs=1))
    assert _codes(out)["secret.txt"] == {"input.unreadable"}


def test_text_file_mixing_utf8_and_raw_tcvn3_paragraphs_gives_the_values_of_both(tmp_path: Path) -> None:
    from pipeline.legacy_text import unicode_to_tcvn3

    unicode_part = "Trà Vinh, ngày 18 tháng 3 năm 2021\nBÁO CÁO\nquý I/2021\nthu hồi 47 chứng thư số\n"
    pasted = "Trong quý cấp mới 92 chứng thư số cho các cơ quan nhà nước.\n"  # from an old .VnTime file
    mixed = tmp_path / "mixed.txt"
    mixed.write_bytes(unicode_part.encode() + unicode_to_tcvn3(pasted))
    out = tmp_path / "out"
    run_batch([mixed], out, RunSettings(jobs=1))
    kpis = pd.read_parquet(out / "kpis.parquet")
    assert sorted(zip(kpis["kpi"], kpis["value"], strict=True)) == [("cert.issued", 92), ("cert.revoked", 47)]
    pages = pd.read_parquet(out / "pages.parquet")
    assert pages["raw_text"].tolist() == [unicode_part + pasted]
