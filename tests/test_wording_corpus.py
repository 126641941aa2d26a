"""The wording corpus (tests/data/wordings, texts nobody on the project wrote): the gates on its parts.

train/, dev/ and dev2/ were tuned on: they must give no wrong value and keep their recall; dev3/ and dev4/,
tuned on but not yet free of wrong values, are held to their last figures. test/ is
held out (never tuned on, scored once per release by whoever merges): its gate is a ratchet at the last
measured figures, which are still short of issue 10's bar (recall >= 0.90 with 0 wrong), so that no change
makes them worse unnoticed. The corpus path can be moved with BAOCAO_WORDINGS; a missing part is skipped.
The scorer itself is checked on a corpus written here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.wording_eval import format_markdown, load_part, score_corpus, score_part

CORPUS = Path(os.environ.get("BAOCAO_WORDINGS", Path(__file__).parent / "data" / "wordings"))
TRAIN = CORPUS / "train"

# Measured when the figure reader was last tuned (pipeline.wording_eval.score_corpus):
# train 163 items, 522 figures: recall 0.875, 0 wrong; dev 154 items, 348 figures: recall 0.830, 0 wrong;
# test (held out) 116 items, 412 figures: recall 0.752, 17 wrong. After the reader's "unsure" checks (branch
# reader, issue 10 third round): train 458/522 (0.877), dev 290/348 (0.833), dev2 (written after the second
# round, first seen at 235/343 = 0.685 with 19 wrong, then tuned on) 277/343 (0.808), all 0 wrong; test
# (held out, scored by the merger) 318/412 = 0.772 with 15 wrong. Fourth round (positive evidence of whose
# figure it is): train 459/522 (0.879), dev 290/348, dev2 277/343, all 0 wrong.
# Fifth round (2026-12-08, session 5; error classes of real provincial pages read privately, then the
# fresh parts dev3 and dev4, first read at 429/620 = 0.692 with 74 wrong and 299/402 = 0.744 with 25
# wrong): train 463/522 (0.887), dev 292/348 (0.839), dev2 277/343 (0.808), all 0 wrong; dev3 444/620
# (0.716) with 13 wrong, dev4 303/402 (0.754) with 3 wrong; test (held out) 318/412 = 0.772 with 11 wrong.
TUNED_PARTS = {"train": 0.88, "dev": 0.83, "dev2": 0.80}
# Tuned on, with wrong values left: a ratchet (recall floor, wrong ceiling) until they reach 0.
FRESH_PARTS = {"dev3": (0.71, 13), "dev4": (0.75, 3)}
HELD_OUT_RECALL_FLOOR = 0.77
HELD_OUT_WRONG_CEILING = 11


@pytest.mark.parametrize(("part", "recall_floor"), TUNED_PARTS.items())
def test_tuned_wordings_give_no_wrong_value_and_keep_their_recall(part: str, recall_floor: float) -> None:
    if not (CORPUS / part / "snippets.yaml").is_file():
        pytest.skip(f"no {part} corpus at {CORPUS / part}")
    score = score_part(CORPUS / part)
    assert score.wrongs == [], "\n".join(score.wrongs)
    assert score.total.recall is not None
    assert score.total.recall >= recall_floor, f"recall {score.total.recall:.3f}"


@pytest.mark.parametrize(("part", "floors"), FRESH_PARTS.items())
def test_fresh_wordings_do_not_get_worse(part: str, floors: tuple[float, int]) -> None:
    if not (CORPUS / part / "snippets.yaml").is_file():
        pytest.skip(f"no {part} corpus at {CORPUS / part}")
    recall_floor, wrong_ceiling = floors
    score = score_part(CORPUS / part)
    assert score.total.recall is not None
    assert score.total.recall >= recall_floor, f"recall {score.total.recall:.3f}"
    assert len(score.wrongs) <= wrong_ceiling, "\n".join(score.wrongs)


def test_held_out_wordings_do_not_get_worse() -> None:
    held_out = CORPUS / "test"
    if not (held_out / "snippets.yaml").is_file():
        pytest.skip(f"no held-out corpus at {held_out}")
    score = score_part(held_out)
    assert score.total.recall is not None
    assert score.total.recall >= HELD_OUT_RECALL_FLOOR, f"recall {score.total.recall:.3f}"
    assert len(score.wrongs) <= HELD_OUT_WRONG_CEILING, "\n".join(score.wrongs)


def _write_corpus(root: Path) -> Path:
    part = root / "train"
    (part / "texts").mkdir(parents=True)
    (part / "snippets.yaml").write_text(
        """
- id: tr-900
  province: Đồng Tháp
  source: report
  kinds: [trong_do_list, scaled_number]
  text: |
    Trong quý, toàn tỉnh tiếp nhận khoảng 12,4 ngàn hồ sơ; trong đó 5.102 hồ sơ trực tiếp và bưu chính;
    312 hồ sơ từ kỳ trước chuyển sang.
  expect:
    - {kpi: dossier.received, value: 12400, qualifier: approx}
    - {kpi: dossier.received_direct, value: 5102}
    - {kpi: dossier.carried_over, value: 312}
    - {kpi: dossier.resolved, value: 11000}
- id: tr-901
  province: Đồng Tháp
  source: news
  kinds: [whose]
  text: |
    Cấp huyện tiếp nhận 4.902 hồ sơ.
  expect: []
""",
        encoding="utf-8",
    )
    (part / "texts" / "one.txt").write_text("Trong tháng, cấp mới 92 chứng thư số.\f2\n", encoding="utf-8")
    (part / "texts" / "one.truth.yaml").write_text(
        "province: Trà Vinh\nsource: report\nkinds: [verb_order]\n"
        "kpis:\n  - {kpi: cert.issued, value: 92, page: 1}\n",
        encoding="utf-8",
    )
    return root


def test_scorer_counts_found_missed_and_wrong_values(tmp_path: Path) -> None:
    scores = score_corpus(_write_corpus(tmp_path))
    assert list(scores) == ["train"]  # no test part here: not scored, no error
    train = scores["train"]
    assert train.items == 3
    assert (train.total.expected, train.total.found) == (5, 4)
    assert train.misses == ["tr-900: dossier.resolved=11000"]
    # The one-level figure is in neither expect nor allow: it counts as wrong, named by its id.
    assert train.total.wrong == 1 and train.wrongs[0].startswith(
        "tr-901: dossier.received=4902 level=district"
    )
    assert (train.texts.expected, train.texts.found) == (1, 1)
    assert train.kinds["scaled_number"].found == 3 and train.families["dossier"].wrong == 1
    summary = format_markdown(scores)
    assert "| train | 3 | 5 | 4 | 0.800 | 1 |" in summary


def test_an_allowed_figure_is_not_wrong(tmp_path: Path) -> None:
    root = _write_corpus(tmp_path)
    snippets = root / "train" / "snippets.yaml"
    text = snippets.read_text(encoding="utf-8").replace(
        "  expect: []\n",
        "  expect: []\n  allow:\n    - {kpi: dossier.received, value: 4902, level: district}\n",
    )
    snippets.write_text(text, encoding="utf-8")
    assert score_part(root / "train").total.wrong == 0


def test_a_malformed_corpus_names_the_entry(tmp_path: Path) -> None:
    part = tmp_path / "train"
    part.mkdir()
    (part / "snippets.yaml").write_text("- id: tr-1\n  text: x\n  expect:\n    - {kpi: doc.nope, value: 1}\n")
    with pytest.raises(ValueError, match="tr-1 expect entry 1: unknown KPI code"):
        load_part(part)
