"""A small, hand-checked corpus whose expected search answers are known exactly."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from archive_app.core.indexing.index import ArchiveIndex
from archive_app.core.library import Library
from tests.conftest import write_files

FILES = {
    "ashraf.txt": "Camp Ashraf attack\n\nOn 1 September 2013 an attack on Camp Ashraf killed "
                  "52 residents. Witnesses described the massacre in detail.",
    "ashraf.txt.meta.json": json.dumps({"source": "UN News", "date": "2013-09-01",
                                        "author": "UN News Centre", "lang": "en"}),
    "liberty.txt": "Camp Liberty relocation\n\nResidents were moved to Camp Liberty near "
                   "Baghdad. Mortar attacks struck the camp in 2013 and 2015.",
    "liberty.txt.meta.json": json.dumps({"source": "UNAMI", "date": "2014-12-30"}),
    "history/massacres.md": "---\ntitle: Massacres in history\ndate: 2010-05\n"
                            "source: History Review\n---\n"
                            "Historians compare massacres across centuries. Nothing here "
                            "concerns Iraq.",
    "code/report.txt": "Function notes\n\nReturns the integer value. This function returns "
                       "an integer for every call; the integer is returned unchanged.",
    "code/integer.txt": "Rounding notes\n\nReturns integer value rounded. The returned "
                        "integer is the same.",
    "accents.txt": "Café society\n\nThe Café society in Zürich met every Tuesday.",
}
KEYS = {
    "ashraf": "corpus/ashraf.txt",
    "liberty": "corpus/liberty.txt",
    "massacres": "corpus/history/massacres.md",
    "report": "corpus/code/report.txt",
    "integer": "corpus/code/integer.txt",
    "accents": "corpus/accents.txt",
}


def make_corpus(base: Path) -> Path:
    return write_files(base / "corpus", FILES)


# -- under the door: the only places tests reach past `Library` ----------------------------
def index_of(library: Library) -> ArchiveIndex:
    """Test-only: the index under the Library, for tests of the engine itself (segments,
    commits, the reference evaluator, a sync without the step that follows it). Neither
    face may use it; everything else goes through Library's own methods."""
    return library._index


def store_connection(library: Library) -> sqlite3.Connection:
    """Test-only: the Library's own connection to HOME/annotations.sqlite3, to plant rows as
    an older version wrote them or to shorten its busy timeout. Reading and checking go
    through Library's methods, or a connection of the test's own."""
    return library._store.connection
