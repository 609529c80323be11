"""The index's fields, its word tokenizer and the positions format of its text fields.

The tokenizer and the format are pickled into the index's table of contents by their
import path (as part of the schema): they must stay importable here, and a change to
how either tokenises or encodes needs an index format bump (index.INDEX_NAME).
"""

from __future__ import annotations

from array import array
from collections import defaultdict

from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE, pack_uint, unpack_uint

from archive_app.core.text.analysis import fold_words, iter_words


class WordTokenizer(Tokenizer):
    """One regex pass with folding (analysis.iter_words): no filter chain, no stop list."""

    def __eq__(self, other):
        return isinstance(other, WordTokenizer)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for position, (word, start, end) in enumerate(iter_words(value)):
            token.text = word
            token.boost = 1.0
            if keeporiginal:
                token.original = value[start:end]
            token.stopped = False
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class WordPositions(Positions):
    """Positions postings of our text fields, tokenised by `analysis.fold_words`.

    On disk the positions are arrays (codec.py); this encoding (a count, then a packed
    'B', 'H' or 'I' array) is only what Whoosh's own matchers see of a posting's value,
    on the reference path and in merges. The field's analyzer (WordTokenizer) is what
    queries use; both find the same words as the highlighter.
    """

    def word_values(self, value, analyzer, **kwargs):
        boost = self.field_boost
        encode = self.encode
        for word, positions in word_positions(value).items():
            yield word, len(positions), len(positions) * boost, encode(positions)

    def encode(self, poslist):
        if not poslist:
            return pack_uint(0) + b"B"
        last = poslist[-1]
        code = "B" if last < 0x100 else "H" if last < 0x10000 else "I"
        return pack_uint(len(poslist)) + code.encode() + array(code, poslist).tobytes()

    def decode_positions(self, valuestring):
        return self.position_array(valuestring).tolist()

    @staticmethod
    def position_array(valuestring) -> array:
        """The positions as a packed array: iterating it (set(), map()) stays in C."""
        return array(chr(valuestring[_INT_SIZE]), valuestring[_INT_SIZE + 1:])

    def decode_frequency(self, valuestring):
        return unpack_uint(valuestring[:_INT_SIZE])[0]


def word_positions(value: str) -> dict[str, list[int]]:
    """Each distinct word of a field value with its positions (the words of iter_words)."""
    poses: defaultdict[str, list[int]] = defaultdict(list)
    for position, word in enumerate(fold_words(value)):
        poses[word].append(position)
    return poses


def _text(**options) -> TEXT:
    field = TEXT(analyzer=WordTokenizer(), **options)
    field.format = WordPositions(field_boost=options.get("field_boost", 1.0))
    return field


def build_schema() -> Schema:
    """Unstemmed analysed text (stems are expanded at query time) plus facet columns.

    Stored fields are only the short metadata a result row shows; the body text lives
    zlib-compressed in the catalog (snippets, reader), never in Whoosh.
    """
    return Schema(
        key=ID(stored=True, unique=True),
        path=STORED(),
        url=STORED(),
        sha256=STORED(),
        content=ID(sortable=True),
        title=_text(stored=True, field_boost=2.0),
        author=_text(stored=True),
        source=_text(stored=True),
        body=_text(),
        notes=_text(),
        tags=KEYWORD(commas=True, lowercase=True, sortable=True),
        source_facet=ID(sortable=True),
        date=ID(stored=True),
        year=ID(sortable=True),
        date_newest=ID(sortable=True),
        date_oldest=ID(sortable=True),
        format=ID(stored=True, sortable=True),
        lang=ID(stored=True, sortable=True),
        file_key=ID(),
        parent=ID(stored=True),
        place=STORED(),
        details=STORED(),
        mail_from=_text(stored=True),
        mail_to=_text(),
        mail_cc=_text(),
        sender_facet=ID(sortable=True),
        message_id=ID(),
        thread=KEYWORD(),
        ocr=ID(stored=True),
        entity=KEYWORD(commas=True, lowercase=True),
        email=KEYWORD(commas=True, lowercase=True),
        phone=KEYWORD(commas=True, lowercase=True),
        link=KEYWORD(commas=True, lowercase=True),
        iban=KEYWORD(commas=True, lowercase=True),
        mentioned=KEYWORD(commas=True, lowercase=True),
    )


TEXT_FIELDS = ("title", "author", "source", "body", "notes", "mail_from", "mail_to",
               "mail_cc")
