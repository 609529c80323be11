"""A small, hand-checked corpus whose expected search answers are known exactly."""

from __future__ import annotations

import json
from pathlib import Path

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
