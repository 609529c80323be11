"""A small archive to browse: real files in nested folders, a real zip with folders
inside, a real mailbox (one message with an attachment), a real PDF and a skipped file."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.conftest import write_files
from tests.core.ingest.conftest import make_pdf
from tests.core.ingest.mail_fixtures import make_mbox, simple_message


def _md(title: str, author: str, date: str, lang: str = "en", body: str = "") -> str:
    return (f"---\ntitle: {title}\nauthor: {author}\ndate: {date}\nsource: Harbour Office\n"
            f"lang: {lang}\n---\n\n{body or 'The tide gauge at Weir Bridge was read daily.'}\n")


def make_browse_corpus(base: Path) -> Path:
    """base/harbour: notes/2013 (2 documents), notes/2014 (1 and an empty file, skipped),
    notes/report.pdf (3 pages), leaks/bundle.zip (readme + finance/q3 + finance/2013/q4),
    mail/desk.mbox (3 messages, the first with a text attachment)."""
    root = write_files(base / "harbour", {
        "notes/2013/alpha.md": _md("Alpha soundings", "Ann Keeper", "2013-05-02"),
        "notes/2013/beta.md": _md("Beta dredging", "Bob Pilot", "2013-11-20"),
        "notes/2014/gamma.txt": "Gamma channel log\n\nThe buoy was moved twice.\n",
        "notes/2014/empty.txt": "",
        "notes/2014/nachrichten.md": _md("Delta Nachrichten", "Ann Keeper", "2014-02-01",
                                         lang="de", body="Der Pegel stieg am Montag."),
    })
    make_pdf(root / "notes" / "report.pdf")
    (root / "leaks").mkdir()
    with zipfile.ZipFile(root / "leaks" / "bundle.zip", "w") as bundle:
        bundle.writestr("readme.txt", "Bundle readme\n\nWhat the leak holds.\n")
        bundle.writestr("finance/q3.txt", "Quarter three figures\n\nIncome rose.\n")
        bundle.writestr("finance/2013/q4.md", _md("Quarter four", "Cara Clerk", "2013-12-31"))
    (root / "mail").mkdir()
    first = simple_message(1, subject="Gauge readings attached")
    first.add_attachment(b"Attached readings\n\nHigh water at noon.\n", maintype="text",
                         subtype="plain", filename="readings.txt")
    make_mbox(root / "mail" / "desk.mbox",
              [first, simple_message(2, subject="Re: Gauge readings"),
               simple_message(3, subject="Lock repairs")])
    return root
