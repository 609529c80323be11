"""What kind of document an excerpt comes from, in CSL's terms, and its BibTeX entry type.

CSL's 'article' is a preprint (citeproc prints "[Preprint]"), so it is never guessed.
The user's choice (the `type` metadata field, Edit metadata) wins; otherwise the kind is
read from the file format and the source's name.
"""

from __future__ import annotations

import re

from archive_app.core.export.model import Excerpt

CSL_TYPES = (
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book",
    "broadcast", "chapter", "classic", "collection", "dataset", "document", "entry",
    "entry-dictionary", "entry-encyclopedia", "event", "figure", "graphic", "hearing",
    "interview", "legal_case", "legislation", "manuscript", "map", "motion_picture",
    "musical_score", "pamphlet", "paper-conference", "patent", "performance", "periodical",
    "personal_communication", "post", "post-weblog", "regulation", "report", "review",
    "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage",
)
"""The item types of CSL 1.0.2 (csl-data.json)."""

_NEWSPAPER = re.compile(r"\b(times|post|gazette|herald|tribune|guardian|daily|newspaper|"
                        r"chronicle|courier|telegraph|observer|journal du|le monde)\b", re.I)
_MAGAZINE = re.compile(r"\b(magazine|weekly)\b", re.I)


def csl_type(excerpt: Excerpt) -> str:
    """The CSL type: the user's, else e-mail → personal_communication, a newspaper or
    magazine source → its article type, web page → webpage, EPUB → book, a PDF or
    word-processor file with an author or source → report, else 'document'.

    A journal article is not guessed from a source's name: without its volume and pages
    styles print it as "[Preprint]"; the user can choose 'article-journal'."""
    chosen = excerpt.type.strip().lower()
    if chosen in CSL_TYPES:
        return chosen
    source = excerpt.source
    if excerpt.format == "eml":
        return "personal_communication"
    if source and _NEWSPAPER.search(source):
        return "article-newspaper"
    if source and _MAGAZINE.search(source):
        return "article-magazine"
    if excerpt.format == "html" or (excerpt.url and not source):
        return "webpage"
    if excerpt.format == "epub":
        return "book"
    if excerpt.format in ("pdf", "docx") and (excerpt.author or source):
        return "report"
    return "document"


BIBTEX_TYPES = {
    "article-journal": "article", "article-magazine": "article",
    "article-newspaper": "article", "book": "book", "report": "techreport",
}
"""CSL type -> BibTeX entry type; everything else is @misc (or @online in biblatex)."""


def bibtex_type(excerpt: Excerpt) -> str:
    """The BibTeX entry type whose required fields the excerpt has (author, year and
    journal, institution or publisher: what the standard styles demand); one lacking
    any becomes @misc, which requires nothing. Web pages are @misc with `url`, which
    BibTeX and biblatex both read (biblatex's @online is unknown to BibTeX styles)."""
    kind = BIBTEX_TYPES.get(csl_type(excerpt), "misc")
    complete = bool(excerpt.author and excerpt.source and excerpt.date[:4].isdigit())
    return kind if kind in ("article", "techreport", "book") and complete else "misc"
