"""Near-duplicates and reused passages in the window: the side panel's "Similar
documents" and "Passages found elsewhere", the violet wash on a reused passage (View ▸
Mark reused passages), and "Also in 1 document…" on an annotation, which tags the
passage where the other document holds it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from archive_app.gui.highlight import reuse_format
from tests.conftest import write_files
from tests.gui.conftest import open_window

DATA = Path(__file__).resolve().parents[1] / "data" / "real_texts.jsonl.gz"


def texts() -> list[str]:
    with gzip.open(DATA, "rt", encoding="utf-8") as stream:
        bodies = [json.loads(line)["body"] for line in stream]
    return [body for body in bodies if len(body.split()) > 300][:6]


@pytest.fixture
def reuse_window(qtbot, empty_library, tmp_path):
    first, second, third, *_ = texts()
    pasted = " ".join(first.split()[40:90])
    host = " ".join(second.split()[:120]) + "\n\n" + pasted + "\n\n" + \
        " ".join(second.split()[120:])
    edited = first.replace(" the ", " a ", 5) + "\nForwarded without comment.\n"
    corpus = write_files(tmp_path / "c", {"source.txt": first, "host.txt": host,
                                          "edited.txt": edited, "other.txt": third})
    empty_library.sync([corpus])
    window = open_window(qtbot, empty_library)
    return window, pasted


def open_doc(qtbot, window, key):
    """Open a document and wait for its connections, which come after it is shown."""
    with qtbot.waitSignal(window.connections_shown, timeout=20_000):
        window.session.open_document(key)


def test_the_panel_lists_similar_documents_and_passages_found_elsewhere(qtbot, reuse_window):
    window, pasted = reuse_window
    open_doc(qtbot, window, "c/source.txt")
    panel = window.side_panel.source_tab.connections
    assert panel.similar_heading.text() == "Similar documents (1)"
    assert panel.similar.item(0).data(Qt.ItemDataRole.UserRole) == "c/edited.txt"
    assert panel.similar.item(0).text().endswith("edited")
    open_doc(qtbot, window, "c/host.txt")
    assert panel.reused_heading.isVisibleTo(window)
    rows = [panel.reused.item(row).text() for row in range(panel.reused.count())]
    assert rows[0].startswith("In 2 other documents: “") and rows[0].endswith("”")
    assert sorted(rows[1:]) == ["    → edited", "    → source"]
    text = window.reader.document_view.text
    inside = window.reader.offsets.to_utf16(text.index(pasted) + 10)
    wash = reuse_format().background().color().name()
    assert window.reader.mark_format_at(inside).background().color().name() == wash
    panel.reused.itemClicked.emit(panel.reused.item(0))  # the passage row: go to it
    selected = window.reader.text.textCursor().selectedText()
    assert pasted[:30] in selected.replace("\u2029", "\n")
    window.reuse_action.setChecked(False)
    assert window.reader.mark_format_at(inside).background().color().name() != wash
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        panel.reused.itemClicked.emit(panel.reused.item(2))
    assert window.reader.document_view.key in ("c/edited.txt", "c/source.txt")


def test_also_in_tags_the_passage_in_the_other_document(qtbot, reuse_window):
    window, pasted = reuse_window
    library = window.library
    quote = " ".join(pasted.split()[10:18])
    text = library.document("c/host.txt").text
    start = text.index(quote)
    library.annotate("c/host.txt", start, start + len(quote), ["talking-point"])
    open_doc(qtbot, window, "c/host.txt")
    cards = window.annotating.panel.cards
    assert len(cards) == 1 and not cards[0].also_button.isHidden()
    assert cards[0].also_button.text() == "Also in 2 documents…"
    with qtbot.waitSignal(window.annotating.controller.state_changed, timeout=20_000):
        cards[0].also_button.click()
    for key in ("c/source.txt", "c/edited.txt"):
        made = library.annotations_for(key)
        assert [a.tags for a in made] == [["talking-point"]]
        assert library.document(key).text[made[0].start:made[0].end] == quote


def test_tools_reuse_report_saves_a_page_with_the_shared_passage(qtbot, reuse_window, tmp_path):
    window, pasted = reuse_window
    target = tmp_path / "report.html"
    window.export_reuse_report(str(target))
    qtbot.waitUntil(lambda: "Reuse report saved" in window.statusBar().currentMessage(),
                    timeout=20_000)
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert " ".join(pasted.split()[5:12]) in page
    assert "c/host.txt" in page and "c/source.txt" in page
    window.export_reuse_report(str(tmp_path / "missing" / "report.csv"))
    qtbot.waitUntil(lambda: "could not be saved" in window.statusBar().currentMessage(),
                    timeout=20_000)
