"""PDF importer: per-page text with pdfminer.six (keeps word spacing) and the document info."""

from __future__ import annotations

from pathlib import Path

from archive_app.core.documents import Extracted
from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import limits

_INFO_FIELDS = {"Title": "title", "Author": "author", "CreationDate": "date"}


def info_value(value: object) -> str:
    """A document-info value as text: bytes may be UTF-16 (BOM) or PDFDocEncoding."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.psparser import PSLiteral
    from pdfminer.utils import decode_text

    value = resolve1(value)
    if isinstance(value, PSLiteral):
        value = value.name
    if isinstance(value, bytes):
        if value.startswith(b"\xff\xfe"):
            return value[2:].decode("utf-16-le", errors="replace")
        if value.startswith(b"\xef\xbb\xbf"):
            return value[3:].decode("utf-8", errors="replace")
        try:
            return decode_text(value)
        except Exception:  # any odd byte string still yields something
            return value.decode("latin-1")
    return value if isinstance(value, str) else ""


def _open_document(handle):
    """Parse the PDF structure; encrypted files without the empty password are refused."""
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser

    try:
        return PDFDocument(PDFParser(handle))
    except (PDFPasswordIncorrect, PDFEncryptionError) as error:
        raise RejectedFile("unsupported", f"encrypted PDF (needs a password): {error}") from error


def _metadata(document) -> dict[str, str]:
    meta: dict[str, str] = {}
    for info in document.info or []:
        if not isinstance(info, dict):
            continue
        for key, name in _INFO_FIELDS.items():
            if key in info and name not in meta:
                text = info_value(info[key])
                if text.strip():
                    meta[name] = text
    return meta


def _page_count(document) -> int:
    """The declared page count, read before extracting so huge files are refused early."""
    from pdfminer.pdftypes import resolve1

    pages = resolve1(document.catalog.get("Pages"))
    count = resolve1(pages.get("Count")) if isinstance(pages, dict) else 0
    return count if isinstance(count, int) else 0


def _page_texts(document) -> list[str]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTTextContainer
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    manager = PDFResourceManager()
    device = PDFPageAggregator(manager, laparams=LAParams())
    interpreter = PDFPageInterpreter(manager, device)
    texts: list[str] = []
    for number, page in enumerate(PDFPage.create_pages(document), 1):
        if number > limits.MAX_PDF_PAGES:
            raise RejectedFile("too-large", f"PDF has more than {limits.MAX_PDF_PAGES} pages")
        interpreter.process_page(page)
        layout = device.get_result()
        texts.append("".join(el.get_text() for el in layout if isinstance(el, LTTextContainer)))
    return texts


def extract(path: Path) -> Extracted:
    """Each page's text (page_texts) and Title/Author/CreationDate from the document info."""
    from pdfminer.pdfexceptions import PDFException, PSException

    try:
        with open(path, "rb") as handle:
            document = _open_document(handle)
            if _page_count(document) > limits.MAX_PDF_PAGES:
                raise RejectedFile("too-large", f"PDF has more than {limits.MAX_PDF_PAGES} pages")
            meta = _metadata(document)
            pages = _page_texts(document)
    except (PDFException, PSException, KeyError, TypeError, ValueError, AttributeError) as error:
        raise RejectedFile(
            "corrupt", f"PDF could not be parsed (truncated?): {_short(error)}"
        ) from error
    return Extracted(text="\n\n".join(pages), metadata=meta, page_texts=pages)


def _short(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."
