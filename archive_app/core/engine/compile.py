"""Our query tree compiled to Whoosh's query objects, with the HitMatcher that marks
what the query finds in a text.

Word forms: the index keeps words unstemmed (so exact phrases stay exact); a plain word
is expanded at query time to every indexed word with the same Porter stem, found by a
prefix walk of the lexicon. Prefixes, wildcards and date ranges are scored as an Or of
the terms they match (Whoosh's `constantscore=False`): one rule whatever a segment's
size (Whoosh's constant-score union scores 1 in small segments and BM25 in large ones).

Tags: a `tag:` part is expanded over the tags field's small lexicon (each tag is indexed
with its ancestors), so a name matches from any level of the hierarchy (`Compiler.tags`).
Spelling ("Did you mean") and fuzzy words compare, in C, only the indexed words whose
length allows the distance (per-segment word lists by length, `Lexicon`), so the cost of
a query does not grow with a pasted word's length.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import methodcaller

import re2
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import query as wq
from whoosh.lang.porter import stem
from whoosh.reading import EmptyReader

from archive_app.core.annotations.records import MAX_TAG_DEPTH
from archive_app.core.engine.proximity import ProximityQuery
from archive_app.core.errors import QueryError
from archive_app.core.search import query as q
from archive_app.core.search.hit_spans import HitMatcher
from archive_app.core.text.analysis import fold, words
from archive_app.core.text.dates import date_parts, last_day

DEFAULT_FIELDS = ("title", "body")
STEMMED_FIELDS = ("title", "body", "notes", "author", "source")
KEYWORD_FIELDS = ("tags", "lang", "format", "ocr", "entity", "email", "phone", "link",
                  "iban", "mentioned")
MAX_EXPANSION = 256
MAX_PART_WORDS = 1024
"""Indexed words one part of a proximity search, or one /regex/, may stand for."""
MAX_REGEX_WALK = 2_000_000
"""Indexed words a /regex/ may be tried on (its plain-letter start narrows them)."""


def leaves(searcher) -> list:
    """The searcher's (segment searcher, docnum offset) pairs, without the EmptyReader
    Whoosh gives an index that has no segment yet (a home never indexed, or emptied):
    it has no postings to read, and a search of it finds nothing rather than failing."""
    return [(sub, offset) for sub, offset in searcher.leaf_searchers()
            if not isinstance(sub.reader(), EmptyReader)]


class Lexicon:
    """The indexed words of every segment of one searcher (each segment's .lex file,
    `codec.SegmentLexicon`, kept in its `SegmentData`)."""

    def __init__(self, searcher, segment_data):
        self.parts = [(sub.reader(), segment_data(sub)) for sub, _ in leaves(searcher)]

    def words(self, fieldname: str, shortest: int, longest: int, prefix: str) -> list[str]:
        """The field's indexed words starting with `prefix` whose length is in
        [shortest, longest], each once: a slice of each segment's sorted words."""
        found: set[str] = set()
        for reader, data in self.parts:
            found.update(word for word in data.lexicon(reader).words(fieldname, prefix)
                         if shortest <= len(word) <= longest)
        return sorted(found)

    def with_prefix(self, fieldname: str, prefix: str) -> list[str]:
        """Every indexed word of the field starting with `prefix`, each once, in order."""
        found: set[str] = set()
        for reader, data in self.parts:
            found.update(data.lexicon(reader).words(fieldname, prefix))
        return sorted(found)

    def count(self, fieldname: str, prefix: str) -> int:
        """An upper bound of the field's words starting with `prefix` (counted per
        segment, without reading them)."""
        return sum(data.lexicon(reader).count(fieldname, prefix)
                   for reader, data in self.parts)

    def longest(self, fieldname: str) -> int:
        """An upper bound of the field's longest indexed word (0 for an empty field)."""
        return max((data.lexicon(reader).longest(fieldname) for reader, data in self.parts),
                   default=0)


class Compiler:
    """Turns our query tree into a Whoosh query and the matching HitMatcher."""

    def __init__(self, searcher, cache: dict, lexicon: Lexicon):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.cache = cache
        self.lexicon = lexicon
        self.matcher = HitMatcher()

    def compile(self, node: q.Node, negated: bool = False) -> wq.Query:
        if isinstance(node, q.And):
            return wq.And([self.compile(item, negated) for item in node.items])
        if isinstance(node, q.Or):
            return wq.Or([self.compile(item, negated) for item in node.items])
        if isinstance(node, q.Not):
            return wq.Not(self.compile(node.item, not negated))
        if isinstance(node, q.DateRange):
            return self.date_range(node)
        if node.field == "tags":
            return self.tags(node, negated)
        if isinstance(node, q.Near):
            return self.near(node, negated)
        fields = (node.field,) if node.field else DEFAULT_FIELDS
        marks = None if negated else self.marks_for(node.field)
        parts = [self.leaf(node, name, marks) for name in fields]
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def marks_for(self, field_name: str | None) -> HitMatcher | None:
        """Where a positive part's words are recorded for highlighting: the text's words
        (body and default fields), the notes' words (their passages become hits), or
        nowhere (title, author, source... are not in the text)."""
        if field_name in (None, "body"):
            return self.matcher
        if field_name == "notes":
            if self.matcher.notes is None:
                self.matcher.notes = HitMatcher()
            return self.matcher.notes
        return None

    def leaf(self, node: q.Node, name: str, marks: HitMatcher | None) -> wq.Query:
        if isinstance(node, q.Word):
            if name in KEYWORD_FIELDS:
                return wq.Term(name, node.text.strip().lower())
            tokens = words(node.text)
            if len(tokens) != 1:
                return self.phrase(name, tokens, marks)
            return self.word(name, tokens[0], marks)
        if isinstance(node, q.Phrase):
            if name in KEYWORD_FIELDS:
                return wq.Term(name, node.text.strip().lower())
            return self.phrase(name, words(node.text), marks)
        if isinstance(node, q.Prefix):
            text = fold(node.text.lower())
            if marks is not None:
                marks.prefixes.add(text)
            return wq.Prefix(name, text, constantscore=False)
        if isinstance(node, q.Wildcard):
            pattern = fold(node.pattern.lower())
            if marks is not None:
                marks.patterns.append(_wildcard_regex(pattern))
            return wq.Wildcard(name, pattern, constantscore=False)
        if isinstance(node, q.Fuzzy):
            text = fold(node.text.lower())
            forms = self.fuzzy_forms(name, text, node.distance)
            if marks is not None:
                marks.terms.update(forms)
                marks.terms.add(text)
            return _any_term(name, forms)
        if isinstance(node, q.Regex):
            if name in KEYWORD_FIELDS or name == "date":
                raise QueryError(f"A /regex/ searches words of text: {name}: holds whole "
                                 "values.")
            found = self.regex_words(name, node.pattern)
            if marks is not None:
                marks.terms.update(found)
            return _any_term(name, found) if found else wq.NullQuery
        raise QueryError(f"unsupported query part {node!r}")

    def near(self, node: q.Near, negated: bool) -> wq.Query:
        """A proximity search: each part expanded to the indexed words it stands for,
        then one ProximityQuery per field searched (engine/proximity.py)."""
        fields = (node.field,) if node.field else DEFAULT_FIELDS
        marks = None if negated else self.marks_for(node.field)
        queries = []
        for name in fields:
            parts = [self.part_words(name, item) for item in node.items]
            if marks is not None and all(parts):
                marks.proximities.append((tuple(frozenset(part) for part in parts),
                                          node.distance, node.ordered))
            queries.append(ProximityQuery(name, parts, node.distance, node.ordered)
                           if all(parts) else wq.NullQuery)
        return queries[0] if len(queries) == 1 else wq.Or(queries)

    def part_words(self, name: str, node: q.Node) -> list[str]:
        """The indexed words one part of a proximity search stands for (at most
        MAX_PART_WORDS, else the query is too broad to say so)."""
        if isinstance(node, q.Word):
            word = words(node.text)[0]
            return self.word_forms(name, word) if name in STEMMED_FIELDS else [word]
        if isinstance(node, q.Fuzzy):
            return self.fuzzy_forms(name, fold(node.text.lower()), node.distance)
        if isinstance(node, q.Regex):
            return self.regex_words(name, node.pattern)
        if isinstance(node, q.Prefix):
            text = fold(node.text.lower())
            self._check_breadth(name, text, f"'{node.text}*'")
            return self.lexicon.with_prefix(name, text)
        if isinstance(node, q.Wildcard):
            pattern = fold(node.pattern.lower())
            start = re.split(r"[*?]", pattern, maxsplit=1)[0]
            self._check_breadth(name, start, f"'{node.pattern}'", walk=True)
            matches = _wildcard_regex(pattern).fullmatch
            found = [word for word in self.lexicon.with_prefix(name, start) if matches(word)]
            if len(found) > MAX_PART_WORDS:
                raise QueryError(f"'{node.pattern}' matches more than {MAX_PART_WORDS:,} "
                                 "different words in a proximity search: make it narrower.")
            return found
        raise QueryError(f"unsupported query part {node!r}")

    def _check_breadth(self, name: str, prefix: str, shown: str, walk: bool = False) -> None:
        count = self.lexicon.count(name, prefix)
        limit = MAX_REGEX_WALK if walk else MAX_PART_WORDS
        if count > limit:
            raise QueryError(f"{shown} matches more than {limit:,} different words in a "
                             "proximity search: add letters to narrow it.")

    def regex_words(self, name: str, pattern: str) -> list[str]:
        """The field's indexed words a /regex/ matches whole, from one RE2 pass over the
        words its plain-letter start allows (at most MAX_REGEX_WALK of them); more than
        MAX_PART_WORDS matches is a query too broad to answer well, and says so."""
        key = ("/", name, pattern)
        if key in self.cache:
            return self.cache[key]
        folded = _fold_literals(pattern)
        start = _literal_start(folded)
        count = self.lexicon.count(name, start)
        if count > MAX_REGEX_WALK:
            raise QueryError(f"/{pattern}/ would have to be tried on {count:,} words: "
                             "begin it with a few plain letters, as in /mal+iki/.")
        block = "\n".join(self.lexicon.with_prefix(name, start))
        whole = re2.compile(f"(?m)^(?:{folded})$", q.REGEX_OPTIONS)
        found = []
        for match in whole.finditer(block):
            found.append(match.group())
            if len(found) > MAX_PART_WORDS:
                raise QueryError(f"/{pattern}/ matches more than {MAX_PART_WORDS:,} different "
                                 "words: make it narrower.")
        self.cache[key] = found
        return found

    def tags(self, node: q.Node, negated: bool) -> wq.Query:
        """A `tag:` part as the indexed tag names it matches (see `tag_names`); their
        annotations become the document's hits unless the part is negated."""
        names = self.tag_names(node)
        if not negated:
            self.matcher.tags.update(names)
        if not names:  # nothing has that tag: a term no document holds
            return wq.Term("tags", _tag_path(getattr(node, "text", "")) or "\x00")
        return _any_term("tags", names)

    def tag_names(self, node: q.Node) -> list[str]:
        """The indexed tag names a `tag:` part matches, read from the field's small lexicon.

        The field holds each tag with its ancestors (`people/witnesses` is indexed as
        `people` and `people/witnesses`), so a name matches a tag and all below it. A name
        also matches from any level: `witnesses` finds `people/witnesses` and
        `x/witnesses`, `victims/*` the tags below any `victims`; `people/*` only the
        tags below `people`, not `people` itself; `witneses~` a level within an edit.
        """
        matches = _tag_level_matcher(node)
        return [name for name in self.tag_lexicon()
                if any(map(matches, _tag_levels(name)))]

    def tag_lexicon(self) -> list[str]:
        """Every indexed tag name (with ancestors): a few hundred at most, read once."""
        key = ("tag-lexicon",)
        if key not in self.cache:
            self.cache[key] = [raw.decode("utf-8") for raw in self.reader.lexicon("tags")]
        return self.cache[key]

    def date_range(self, node: q.DateRange) -> wq.Query:
        """Whole years as single `year` terms, only the partial ends as date-term ranges.

        A TermRange over every distinct date becomes an OR of hundreds of terms that Whoosh
        unions in Python; decomposing keeps a two-year range down to two terms.

        A document dated only to a year or a month is inside a range when the range
        covers all of that year or month (`date:[2013-03 TO 2013-05]` leaves out a
        document dated '2013', `date:2013` keeps it), whichever month the range starts
        in: the timeline's bars count by this rule, so a drag across them finds what
        they count. An open or very long range compares the dates as written.
        """
        start, end = node.start, node.end
        first = int(start[:4]) if start else None
        last = int(end[:4]) if end else None
        if first is None or last is None or last - first > 200:
            return wq.TermRange("date", start, end + "~" if end else None,
                                constantscore=False)
        parts: list[wq.Query] = []
        for year in range(first, last + 1):
            low = _period_start(start) if year == first else None
            high = _period_end(end) if year == last else None
            if low is None and high is None:
                parts.append(wq.Term("year", str(year)))
            else:
                parts += [wq.TermRange("date", a, b, constantscore=False)
                          for a, b in _ranges_within_year(year, low, high)]
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def word(self, name: str, word: str, marks: HitMatcher | None) -> wq.Query:
        forms = self.word_forms(name, word) if name in STEMMED_FIELDS else [word]
        if marks is not None:
            marks.terms.update(forms)
        return _any_term(name, forms)

    def phrase(self, name: str, tokens: list[str], marks: HitMatcher | None) -> wq.Query:
        if not tokens:
            return wq.NullQuery
        if marks is not None:
            if len(tokens) == 1:
                marks.terms.add(tokens[0])
            else:
                marks.phrases.add(tuple(tokens))
        if len(tokens) == 1:
            return wq.Term(name, tokens[0])
        return wq.Phrase(name, tokens)

    def fuzzy_forms(self, name: str, text: str, maxdist: int) -> list[str]:
        """Indexed words within `maxdist` edits of `text` that share its first letter.

        Whoosh's FuzzyTerm computes a pure-Python edit distance to every word with that
        first letter, once for the search and again for highlighting, at a cost growing
        with the word's length. Here only the words whose length allows the distance are
        compared (from the per-segment word lists, `_Lexicon`), in C (rapidfuzz, the same
        restricted Damerau-Levenshtein distance as Whoosh's), once; at most
        MAX_EXPANSION forms are kept, the closest first.
        """
        key = ("~", name, text, maxdist)
        if key not in self.cache:
            candidates = self.lexicon.words(name, len(text) - maxdist, len(text) + maxdist,
                                            prefix=text[:1])
            close = {(distance, word) for word, distance, _ in process.extract(
                text, candidates, scorer=OSA.distance, score_cutoff=maxdist, limit=None)
                if word != text}
            self.cache[key] = [text] + [word for _, word in sorted(close)[:MAX_EXPANSION - 1]]
        return self.cache[key]

    def word_forms(self, name: str, word: str) -> list[str]:
        """Indexed words sharing `word`'s Porter stem (the word itself always included)."""
        key = (name, word)
        if key not in self.cache:
            root = stem(word)
            prefix = root[:-1] if len(root) > 3 else root
            forms = {word}
            if word.isascii() and word.isalpha() and prefix:  # English stemming only
                for candidate in self.lexicon.with_prefix(name, prefix):
                    if stem(candidate) == root:
                        forms.add(candidate)
                        if len(forms) >= MAX_EXPANSION:
                            break
            self.cache[key] = sorted(forms)
        return self.cache[key]


def _any_term(name: str, texts: list[str]) -> wq.Query:
    """One term, or an Or of the terms (a single one stays a Term: the same scores)."""
    if len(texts) == 1:
        return wq.Term(name, texts[0])
    return wq.Or([wq.Term(name, text) for text in texts])


def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    """A `*`/`?` pattern as a regex for `fullmatch`, linear in the word's length.

    The plain translation (`.*a.*a.*b`) backtracks: eight stars over a 60-letter tag or
    word took a minute. Here each piece between stars takes its first occurrence in an
    atomic group and never retries (the first occurrence is always the best one for a
    glob), as `fnmatch.translate` does; only the last piece is pinned to the end.
    """
    pieces = [re.escape(piece).replace(r"\?", ".") for piece in pattern.split("*")]
    if len(pieces) == 1:
        return re.compile("(?s)" + pieces[0])
    first, *middle, last = pieces
    return re.compile("(?s)" + first + "".join(f"(?>.*?{piece})" for piece in middle if piece)
                      + ".*" + last)


def _fold_literals(pattern: str) -> str:
    """A regex with its non-ASCII letters folded as the index folds them (é -> e,
    Arabic ي -> Persian ی), so /café/ and /مالکی/ find the indexed forms; regex syntax
    is ASCII, so no operator is touched."""
    return "".join(char if char.isascii() else fold(char) for char in pattern)


def _literal_start(pattern: str) -> str:
    """The plain letters every match of a regex begins with ('mal' for 'mal+iki'), in
    lower case: the lexicon walk starts there. '' when the regex could begin otherwise
    (an alternation, a class, a letter made optional by the next character)."""
    pattern = pattern.removeprefix("^")
    if "|" in pattern:
        return ""
    start = []
    for number, char in enumerate(pattern):
        if not char.isalnum():
            break
        following = pattern[number + 1 : number + 2]
        if following in ("*", "?", "{"):
            break
        start.append(char.lower())
    return "".join(start)


def _tag_path(text: str) -> str:
    """A tag name as the index holds it: 'People / Witnesses ' -> 'people/witnesses'."""
    parts = (" ".join(part.split()) for part in text.lower().split("/"))
    return "/".join(part for part in parts if part)


def _tag_level_matcher(node: q.Node) -> Callable[[str], bool]:
    """Whether one reading of an indexed tag name (`_tag_levels`) matches a `tag:` part."""
    if isinstance(node, q.Word | q.Phrase):
        return _tag_path(node.text).__eq__
    if isinstance(node, q.Prefix):
        slash = "/" if node.text.rstrip().endswith("/") else ""
        return methodcaller("startswith", _tag_path(node.text) + slash)
    if isinstance(node, q.Wildcard):
        return _wildcard_regex(node.pattern.lower()).fullmatch
    if isinstance(node, q.Fuzzy):
        text, most = _tag_path(node.text), node.distance
        return lambda level: OSA.distance(level, text, score_cutoff=most) <= most
    if isinstance(node, q.Regex):
        whole = re2.compile(node.pattern, q.REGEX_OPTIONS)
        return lambda level: whole.fullmatch(level) is not None
    if isinstance(node, q.Near):
        raise QueryError("Tags are names, not text: tag: takes no NEAR or ~N.")
    raise QueryError(f"unsupported query part {node!r}")


def _tag_levels(name: str) -> list[str]:
    """'a/b/c' -> ['a/b/c', 'b/c', 'c']: the name read from each of its levels.

    Only the last MAX_TAG_DEPTH levels are read apart: a tag stored before the limits
    existed may have thousands, and every reading of it would be a string as long."""
    parts = name.rsplit("/", MAX_TAG_DEPTH)
    levels = ["/".join(parts[n:]) for n in range(1, len(parts))]
    return [name, *levels]


def _period_start(start: str) -> str | None:
    """Where a range's first year starts, written as coarsely as that day allows
    ('2013-03-01' -> '2013-03'): None from the year's first day."""
    parts = date_parts(start)
    if parts is None:  # out of the calendar ('2013-13'), other digits: as before
        return None if len(start) == 4 or start[5:] in ("01", "01-01") else start
    _year, month, day = parts
    if day == 1:
        start, day = start[:7], None
    if month in (None, 1) and day is None:
        return None
    return start


def _period_end(end: str) -> str | None:
    """Where a range's last year ends, written as coarsely as that day allows
    ('2013-06-30' -> '2013-06'): None to the year's last day."""
    parts = date_parts(end)
    if parts is None:
        return None if len(end) == 4 or end[5:] in ("12", "12-31") else end
    year, month, day = parts
    if day is not None and month is not None and day == last_day(year, month):
        end, day = end[:7], None
    if month in (None, 12) and day is None:
        return None
    return end


def _ranges_within_year(year: int, low: str | None, high: str | None
                        ) -> list[tuple[str, str]]:
    """Term ranges of the dates of `year` from `low` to `high` (None: the year's first
    or last day) holding exactly the dates inside: never the bare year, a month alone
    only when the range covers all of it. A range ending mid-month ('2013-06-15')
    would take the month alone ('2013-06' sorts before it), so that month's days
    get a range of their own."""
    low = low or f"{year}-01"
    if high is None:
        return [(low, f"{year}~")]
    if len(high) < 10:
        return [(low, high + "~")]
    month = high[:7]
    first_day = f"{month}-01"
    if low[:7] >= month:
        return [(max(low, first_day), high + "~")]
    before = f"{year}-{int(high[5:7]) - 1:02d}~"
    return [(low, before), (first_day, high + "~")]
