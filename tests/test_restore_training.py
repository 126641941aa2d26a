"""Training the restoration LM on a small corpus: held-out split, Kneser-Ney normalisation, round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ocr.restore import load_model, train_language_model
from ocr.restore.channel import ChannelProfiles, learn_costs, segment_rewrite
from ocr.restore.lm import SyllableLM
from ocr.restore.train import is_heldout_line

DATA = Path(__file__).parent / "data" / "restore"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, float], list[str]]:
    folder = tmp_path_factory.mktemp("lm")
    corpus = folder / "corpus.txt"
    lines = (DATA / "heldout_legal.txt").read_text(encoding="utf-8").splitlines()
    # These lines are the 1/1000 held-out sample of the full corpus, so a modulus of 7 draws a fresh
    # held-out split from them.
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report_part = folder / "report.txt"
    report_part.write_text("Sở Thông tin và Truyền thông tỉnh Trà Vinh báo cáo\n", encoding="utf-8")
    out = folder / "model" / "lm.npz"
    heldout = folder / "heldout.txt"
    stats = train_language_model(
        [corpus], out, heldout_out=heldout, heldout_sources=[report_part], heldout_modulus=7
    )
    return out, heldout, stats, lines


def test_training_writes_a_loadable_model_and_reports_figures(trained) -> None:
    out, _heldout, stats, _lines = trained
    assert out.exists()
    assert stats["vocab_size"] > 500
    assert stats["trigrams"] > 1000
    assert stats["model_bytes"] == out.stat().st_size
    lm = SyllableLM.load(out)
    assert lm.vocab[:3] == ["<s>", "</s>", "<unk>"]


def test_heldout_lines_never_train(trained) -> None:
    _out, heldout, stats, lines = trained
    heldout_lines = heldout.read_text(encoding="utf-8").splitlines()
    assert heldout_lines[0] == "Sở Thông tin và Truyền thông tỉnh Trà Vinh báo cáo"
    sampled = [line for line in set(lines) if is_heldout_line(line, 7)]
    assert sampled
    assert set(sampled) <= set(heldout_lines)
    assert stats["heldout_lines"] == len(heldout_lines)
    lm = SyllableLM.load(trained[0])
    # The held-out report line is the only place 'Trà Vinh' occurs: it must not be in the vocabulary.
    assert "trà" not in lm.word_id
    assert "vinh" not in lm.word_id


def test_kneser_ney_distributions_sum_to_one(trained) -> None:
    lm = SyllableLM.load(trained[0])
    words = np.arange(lm.size)
    words = words[words != lm.bos]
    for first, second in [("quy", "định"), ("của", "luật"), ("<s>", "điều")]:
        u, v = lm.token_id(first), lm.token_id(second)
        logp_vw, _, _ = lm.bigram_info(np.full(words.size, v), words)
        _, index_uv, bow_uv = lm.bigram_info(np.array([u]), np.array([v]))
        logp_uvw = lm.trigram_logp(
            np.full(words.size, index_uv[0]), np.full(words.size, bow_uv[0]), words, logp_vw
        )
        assert np.exp(logp_vw).sum() == pytest.approx(1.0, abs=2e-3)
        assert np.exp(logp_uvw).sum() == pytest.approx(1.0, abs=2e-3)


def test_trained_model_restores_its_phrases(trained) -> None:
    model = load_model(trained[0])
    assert model.restore("theo quy dinh cua phap luat") == "theo quy định của pháp luật"


def test_channel_learns_rewrites_from_aligned_pairs() -> None:
    assert segment_rewrite("chuc", "chifc") == ("u", "if")
    assert segment_rewrite("thuc", "thurc") == ("u", "ur")
    pairs = [("chifc", "chức"), ("chifc", "chức"), ("tir", "tử"), ("tir", "tử"), ("ngay", "ngày")] * 3
    costs = learn_costs(pairs)
    assert "u>if" in costs.rewrites
    assert "ứ>if" in costs.surface_rewrites
    assert costs.rewrites["u>if"] < costs.rewrites["u>ir"] + 1.0
    committed = ChannelProfiles.load(Path(__file__).parents[1] / "ocr" / "restore" / "model" / "channel.json")
    assert committed.noisy.key_change < committed.clean.key_change  # eng misreads letters far more often
