"""The fixed mix of 240 benchmark queries, derived deterministically from the corpus.

Twelve categories of 20 queries (proximity and NEAR: two words cut from a document a few
words apart, asked within that distance or a little more). Each query is given in our
language and, where the reference engine can express it, for naive Whoosh (its own
parser) and SQLite FTS5 (a MATCH expression plus an optional date filter and order).
"""

from __future__ import annotations

import random
import re
from collections import Counter

CATEGORIES = ("rare_word", "common_word", "two_word_and", "phrase", "common_phrase",
              "prefix", "fuzzy", "field_filter", "date_range", "sorted_by_date",
              "proximity", "near")
PER_CATEGORY = 20
SAMPLE_DOCS = 2000  # the queries come from the corpus's first documents, whatever its size
_WORD = re.compile(r"[a-z]+")
_STOP = {"the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "be", "as", "with",
         "on", "this", "are", "by", "or", "an", "not", "if", "at", "from", "unto", "shall"}


def make_queries(docs: list[dict], seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    sample = docs[:SAMPLE_DOCS]
    df: Counter = Counter()
    tokenised = []
    for doc in sample:
        tokens = _WORD.findall(doc["body"].lower())
        tokenised.append(tokens)
        df.update(set(tokens))
    words = [w for w, _ in df.most_common() if len(w) > 3 and w not in _STOP]
    common = words[:150]
    medium = [w for w in words if 20 <= df[w] <= 200]
    rare = [w for w in words if 2 <= df[w] <= 4 and w.isalpha()]
    top_stop = {w for w, _ in df.most_common(60)}
    queries: list[dict] = []

    def add(category, ours, whoosh=None, fts=None, sort="relevance", fts_where="",
            fts_order=""):
        queries.append({"category": category, "query": ours, "sort": sort, "whoosh": whoosh,
                        "fts": fts, "fts_where": fts_where, "fts_order": fts_order})

    for word in rng.sample(rare, PER_CATEGORY):
        add("rare_word", word, word, word)
    for word in rng.sample(common, PER_CATEGORY):
        add("common_word", word, word, word)
    for _ in range(PER_CATEGORY):
        a, b = rng.sample(medium, 2)
        add("two_word_and", f"{a} {b}", f"{a} {b}", f"{a} {b}")
    phrases, common_phrases = [], []
    while len(phrases) < PER_CATEGORY or len(common_phrases) < PER_CATEGORY:
        tokens = rng.choice(tokenised)
        if len(tokens) < 10:
            continue
        size = rng.choice((2, 3, 3, 4))
        start = rng.randrange(len(tokens) - size)
        phrase = tokens[start:start + size]
        if all(t in top_stop for t in phrase):
            if len(common_phrases) < PER_CATEGORY and " ".join(phrase) not in common_phrases:
                common_phrases.append(" ".join(phrase))
        elif len(phrases) < PER_CATEGORY and sum(t not in top_stop for t in phrase) >= 1:
            phrases.append(" ".join(phrase))
    for text in phrases:
        add("phrase", f'"{text}"', f'"{text}"', f'"{text}"')
    for text in common_phrases:
        add("common_phrase", f'"{text}"', f'"{text}"', f'"{text}"')
    for word in rng.sample(medium, PER_CATEGORY):
        stem = word[:4]
        add("prefix", f"{stem}*", f"{stem}*", f"{stem}*")
    for word in rng.sample([w for w in medium if len(w) >= 6], PER_CATEGORY):
        i = rng.randrange(1, len(word) - 1)
        typo = word[:i] + rng.choice("aeiouy") + word[i + 1:]
        add("fuzzy", f"{typo}~", f"{typo}~", None)
    sources = ["kjv", "python", "postgres", "perl", "fortunes"]  # the reference families
    present = sorted({doc["source"] for doc in sample if doc.get("source")})
    if len(set(sources) & set(present)) < 3:  # a corpus of other text: its own families
        sources = present or sources
    for i, word in enumerate(rng.sample(medium, PER_CATEGORY)):
        if i % 2:
            add("field_filter", f"title:{word}", f"title:{word}", f"title:{word}")
        else:
            src = rng.choice(sources)
            add("field_filter", f"source:{src} {word}", f"source:{src} {word}",
                f"source:{src} AND {word}")
    for word in rng.sample(common, PER_CATEGORY):
        year = rng.randrange(2000, 2022)
        if rng.random() < 0.5:
            add("date_range", f"{word} date:{year}", f"{word} date:{year}*", word,
                fts_where=f"date LIKE '{year}%'")
        else:
            end = year + rng.randrange(1, 4)
            add("date_range", f"{word} date:[{year}-01-01 TO {end}-12-31]",
                f"{word} date:[{year}-01-01 TO {end}-12-31]", word,
                fts_where=f"date BETWEEN '{year}-01-01' AND '{end}-12-31'")
    for word in rng.sample(common, PER_CATEGORY):
        add("sorted_by_date", word, word, word, sort="newest", fts_order="date DESC")
    for category in ("proximity", "near"):
        made = 0
        while made < PER_CATEGORY:
            tokens = rng.choice(tokenised)
            if len(tokens) < 20:
                continue
            start = rng.randrange(len(tokens) - 10)
            gap = rng.randrange(1, 8)
            a, b = tokens[start], tokens[start + gap]
            if a in _STOP or b in _STOP or a == b or len(a) < 3 or len(b) < 3:
                continue
            distance = gap - 1 + rng.randrange(0, 4)
            if category == "proximity":
                add(category, f'"{a} {b}"~{distance}', f'"{a} {b}"~{distance + 1}',
                    f"NEAR({a} {b}, {distance})")
            else:
                add(category, f"{b} NEAR/{distance} {a}", None, f"NEAR({b} {a}, {distance})")
            made += 1
    return queries
