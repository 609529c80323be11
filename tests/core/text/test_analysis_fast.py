"""fold_words (the indexer's fast path) must give exactly the words of iter_words."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from archive_app.core.text.analysis import fold_words, words

DATA = Path(__file__).resolve().parents[2] / "data" / "real_texts.jsonl.gz"


def test_fold_words_equals_words_on_real_texts():
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        for line in handle:
            text = json.loads(line)["body"]
            assert fold_words(text) == words(text)


def test_fold_words_on_tricky_text():
    text = "Ça déjà-vu İstanbul ŉ ﬁne Straße ‌\u0640x naïve e\u0301 ١٢٣ 日本語 ÀB"
    assert fold_words(text) == words(text)


@given(st.text())
def test_fold_words_equals_words(text):
    assert fold_words(text) == words(text)
