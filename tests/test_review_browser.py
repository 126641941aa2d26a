"""`baocao review` in a real headless browser (Debian's chromium + chromium-driver, driven by selenium):
the site opens, a value's box sits on the printed number (the pixels under the box are read back with
Tesseract), and a correction made in the page round-trips through corrections.csv and `baocao run`."""

from __future__ import annotations

import csv
import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytesseract
import pytest
from PIL import Image

from pipeline.cli import main
from pipeline.review import build_review_site, page_image_name
from tests.conftest import SampleRun

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SCAN = "report-2022-09-travinh"  # a scanned page, read by real Tesseract in the sample run
TEXT = "report-2023-02-travinh-eng"  # the .txt sample: values without boxes


@pytest.fixture(scope="module")
def review_out(sample_run: SampleRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample run's tables (the corrections below must not change the shared run)."""
    out = tmp_path_factory.mktemp("review-out")
    for table in sample_run.out_dir.glob("*.parquet"):
        shutil.copyfile(table, out / table.name)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.fail("chromium and chromium-driver are needed: `make test` installs them (apt)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads  # type: ignore[attr-defined]
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def review_index(review_out: Path) -> Path:
    return build_review_site(review_out)


def _turned(box: tuple[float, float, float, float], image: Image.Image, k: float) -> tuple[float, ...]:
    """The same box on the page image turned by 180° (page pixels)."""
    width, height = image.width / k, image.height / k
    x0, y0, x1, y1 = box
    return (width - x1, height - y1, width - x0, height - y0)


def _read_digits(page_image: Image.Image, box: tuple[float, float, float, float], k: float, want: str) -> str:
    """What Tesseract reads in the page image under a box (page pixels × k), as digits only, leading zeros
    dropped ("09" printed for the value 9). A cropped number is read as one line (`--psm 7`), and again as
    one word (`--psm 8`) when that misses: the line reading drops a digit now and then ("231" for 2731)."""
    x0, y0, x1, y1 = box
    crop = page_image.crop((round(x0 * k) - 4, round(y0 * k) - 4, round(x1 * k) + 5, round(y1 * k) + 5))
    crop = crop.resize((crop.width * 4, crop.height * 4), Image.LANCZOS)
    digits = ""
    for psm in (7, 8):
        digits = re.sub(r"\D", "", pytesseract.image_to_string(crop, config=f"--psm {psm}")).lstrip("0")
        if digits == want:
            break
    return digits


def test_boxes_hold_their_values(review_out: Path, review_index: Path) -> None:
    """Every value of a scanned or text-layer sample is boxed, and the page image under its box reads as
    the value. Reading a cropped number misses a digit now and then ("L176" for 1.176): 318 of the 319
    boxes of the samples read back exactly (one "71" beside "SIM PKI" reads as nothing; checked by eye)."""
    kpis = pd.read_parquet(review_out / "kpis.parquet")
    pages = pd.read_parquet(review_out / "pages.parquet")
    reports = pd.read_parquet(review_out / "reports.parquet").set_index("document_id")
    page_sources = pages[["document_id", "page", "source"]].rename(columns={"source": "page_source"})
    imaged = kpis.merge(page_sources, on=["document_id", "page"])
    imaged = imaged[imaged.page_source != "txt"]
    assert len(imaged) > 100
    assert imaged.box_x0.notna().all(), imaged[imaged.box_x0.isna()][["source_path", "kpi", "page"]]
    read_back = 0
    for row in imaged.itertuples(index=False):
        dpi = json.loads(reports.loc[row.document_id, "settings"])["dpi"]
        image = Image.open(
            review_index.parent / page_image_name(row.document_id, row.page, row.page_source, dpi)
        )
        box = (row.box_x0, row.box_y0, row.box_x1, row.box_y1)
        want = re.sub(r"\D", "", f"{row.value:g}").lstrip("0")
        k = image.width / row.box_page_width
        digits = _read_digits(image, box, k, want)
        if digits != want:
            # A page scanned upside down is shown as scanned: the print under its boxes is upside down.
            digits = _read_digits(image.rotate(180), _turned(box, image, k), k, want)
        read_back += digits == want
    assert read_back >= 0.95 * len(imaged), f"{read_back} of {len(imaged)} boxes read back as their value"


def _document_id(out: Path, sample_run: SampleRun, name: str) -> str:
    reports = pd.read_parquet(out / "reports.parquet")
    path = str(sample_run.input_path(name))
    return reports.loc[reports.source_path == path, "document_id"].item()


def _kpi_row(out: Path, document_id: str, kpi: str) -> pd.Series:
    kpis = pd.read_parquet(out / "kpis.parquet")
    rows = kpis[(kpis.document_id == document_id) & (kpis.kpi == kpi)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def _value_index(driver: object, kpi: str) -> str:
    from selenium.webdriver.common.by import By

    for row in driver.find_elements(By.CSS_SELECTOR, "tr.value"):
        if row.find_element(By.CSS_SELECTOR, "td b").text == kpi:
            return row.get_attribute("data-value")
    raise AssertionError(f"{kpi} not listed in the page")


def _row(driver: object, index: str) -> object:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f'tr.value[data-value="{index}"]')


def test_review_site_boxes_and_corrections_round_trip(
    review_out: Path, review_index: Path, sample_run: SampleRun, browser: object
) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    index = review_index
    truths = sample_run.truths

    # The index lists every document and draws the KPI panel.
    driver.get(index.as_uri())
    links = driver.find_elements(By.CSS_SELECTOR, "table.docs a")
    assert len(links) == len(pd.read_parquet(review_out / "reports.parquet"))
    assert driver.find_elements(By.CSS_SELECTOR, "svg.spark polyline")

    # The scanned page: doc.issued ("17.882" in the truth) is boxed where the browser shows it.
    scan_id = _document_id(review_out, sample_run, SCAN)
    issued = _kpi_row(review_out, scan_id, "doc.issued")
    truth_issued = next(k for k in truths[SCAN].kpis if k.kpi == "doc.issued")
    assert issued.value == truth_issued.value == 17882
    driver.get((index.parent / f"doc-{scan_id[:16]}.html").as_uri())
    i = _value_index(driver, "doc.issued")
    box = driver.find_element(By.CSS_SELECTOR, f'rect.box[data-value="{i}"]')
    svg = box.find_element(By.XPATH, "./ancestor::*[name()='svg']")
    shown = driver.execute_script(
        "const b = arguments[0].getBoundingClientRect(), s = arguments[1].getBoundingClientRect();"
        "return [b.left - s.left, b.top - s.top, b.right - s.left, b.bottom - s.top, s.width, s.height];",
        box,
        svg,
    )
    page_w, page_h = int(issued.box_page_width), int(issued.box_page_height)
    scale = shown[4] / page_w
    assert shown[5] / page_h == pytest.approx(scale, rel=0.01)  # the page keeps its proportions
    # On screen, the outline (stroke included) surrounds the stored word box, a few pixels out at most.
    slack = 6 / scale + 8  # stroke width and padding, in page pixels
    stored = (issued.box_x0, issued.box_y0, issued.box_x1, issued.box_y1)
    on_page = [v / scale for v in shown[:4]]
    assert stored[0] - slack <= on_page[0] <= stored[0]
    assert stored[1] - slack <= on_page[1] <= stored[1]
    assert stored[2] <= on_page[2] <= stored[2] + slack
    assert stored[3] <= on_page[3] <= stored[3] + slack
    # The pixels of the page image the browser shows, under the box as the browser placed it, read "17.882".
    image_href = svg.find_element(By.TAG_NAME, "image").get_attribute("href")
    page_image = Image.open(index.parent / image_href)
    assert _read_digits(page_image, tuple(on_page), page_image.width / page_w, "17882") == "17882"

    # Decide in the page: correct doc.issued, accept doc.signed, reject cert.total; save the file.
    _row(driver, i).find_element(By.CSS_SELECTOR, "input.fix").send_keys("17.883")
    _row(driver, i).find_element(By.CSS_SELECTOR, "button.correct").click()
    _row(driver, _value_index(driver, "doc.signed")).find_element(By.CSS_SELECTOR, "button.accept").click()
    _row(driver, _value_index(driver, "cert.total")).find_element(By.CSS_SELECTOR, "button.reject").click()
    assert "corrected to 17883" in _row(driver, i).text
    assert "3 decision(s)" in driver.find_element(By.ID, "pending").text
    driver.find_element(By.ID, "save").click()
    saved = driver.downloads / "corrections.csv"
    deadline = time.monotonic() + 20
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert saved.exists(), "the browser saved no corrections.csv"
    with saved.open(encoding="utf-8") as f:
        decisions = {(r["kpi"], r["action"], r["value"], r["extracted_value"]) for r in csv.DictReader(f)}
    assert decisions == {
        ("doc.issued", "correct", "17883", "17882"),
        ("doc.signed", "accept", "", "15340"),
        ("cert.total", "reject", "", "2731"),
    }

    # `baocao run` again: nothing is re-read (same files), the decisions are applied.
    shutil.copyfile(saved, review_out / "corrections.csv")
    inputs = [str(sample_run.input_path(SCAN)), str(sample_run.input_path(TEXT))]
    assert main(["-q", "run", *inputs, "--out", str(review_out), "--jobs", "1"]) == 0
    corrected = _kpi_row(review_out, scan_id, "doc.issued")
    assert (corrected.value, corrected.source, corrected.extracted_value, corrected.reviewed) == (
        17883,
        "correction",
        17882,
        True,
    )
    assert corrected.evidence == issued.evidence  # the evidence stays what the report printed
    accepted = _kpi_row(review_out, scan_id, "doc.signed")
    assert (accepted.value, accepted.source, accepted.reviewed) == (15340, "extracted", True)
    kpis = pd.read_parquet(review_out / "kpis.parquet")
    assert not ((kpis.document_id == scan_id) & (kpis.kpi == "cert.total")).any()
    problems = pd.read_parquet(review_out / "problems.parquet")
    rejected = problems[problems.code == "correction.rejected"]
    assert rejected[["document_id", "kpi"]].values.tolist() == [[scan_id, "cert.total"]]

    # The rebuilt site shows the saved decisions as such, no longer as pending edits of this browser.
    build_review_site(review_out)
    driver.get((index.parent / f"doc-{scan_id[:16]}.html").as_uri())
    row = _row(driver, _value_index(driver, "doc.issued"))
    assert "corrected (read: 17882)" in row.text
    assert "(in corrections file)" in row.text
    assert driver.find_element(By.ID, "pending").text == ""

    # The .txt sample has no page image: its text is shown, its values are listed unboxed.
    text_id = _document_id(review_out, sample_run, TEXT)
    driver.get((index.parent / f"doc-{text_id[:16]}.html").as_uri())
    assert driver.find_elements(By.CSS_SELECTOR, "pre.page-text")
    assert not driver.find_elements(By.CSS_SELECTOR, "rect.box")
    assert len(driver.find_elements(By.CSS_SELECTOR, "tr.value")) == len(kpis[kpis.document_id == text_id])
