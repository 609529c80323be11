"""The reader never fetches anything and never runs scripts; links ask before opening."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.conftest import write_files
from tests.counting_server import CountingHandler, counting_server
from tests.gui.conftest import open_window, search


@pytest.fixture
def server() -> Iterator[int]:
    """An HTTP server on 127.0.0.1 counting requests (tests/counting_server.py)."""
    with counting_server() as port:
        yield port


def hostile_page(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    return f"""<!DOCTYPE html><html><head><title>Tracker page</title>
<link rel="stylesheet" href="{base}/style.css">
<meta property="og:url" content="{base}/canonical">
<script src="{base}/app.js"></script>
<script>fetch("{base}/fetched"); document.title = "script ran";</script>
</head><body><article><h1>Tracker page</h1>
<p>The embargoed report about the reservoir.</p>
<img src="{base}/pixel.png" alt="pixel">
<iframe src="{base}/frame.html"></iframe>
<object data="{base}/object.swf"></object>
<p style="background: url({base}/background.png)">More about the reservoir.</p>
</article></body></html>"""


def test_opening_a_hostile_html_document_makes_no_connection(qtbot, library, tmp_path,
                                                             server, monkeypatch):
    folder = write_files(tmp_path / "web", {"tracker.html": hostile_page(server)})
    library.sync([folder])
    opened = []
    monkeypatch.setattr("archive_app.gui.side_panel.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toString()))
    window = open_window(qtbot, library)
    with qtbot.waitSignal(window.document_shown, timeout=10_000):
        search(qtbot, window, "reservoir")
    reader_text = window.reader.text.toPlainText()
    assert "embargoed report" in reader_text
    assert "script ran" not in reader_text and "fetch(" not in reader_text
    qtbot.wait(300)  # give any (wrongly) started network request time to arrive
    assert CountingHandler.requests == []

    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: asked.append(args) or QMessageBox.StandardButton.No)
    window.side_panel.source_tab.open_url()
    assert asked and opened == []  # it asked first, and "No" opened nothing
    assert CountingHandler.requests == []
