"""Help ▸ Search syntax: the query language as a static page (no links are followed)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from archive_app.core.query import FIELDS
from archive_app.gui.sizing import fix_minimum_size

HELP_PAGE = Path(__file__).resolve().parents[2] / "resources" / "search-syntax.html"


def syntax_html() -> str:
    """The bundled help page, or a short built-in version when resources are not installed."""
    try:
        return HELP_PAGE.read_text(encoding="utf-8")
    except OSError:
        fields = ", ".join(f"<code>{name}:</code>" for name in sorted(set(FIELDS)))
        return (f"<h2>Search syntax</h2><p>Words are ANDed; OR, NOT or -word; "
                f"\"phrases\"; prefix*; fuzzy~; fields: {fields}; dates: date:2013, "
                f"date:2013-09, date:[2013-01-01 TO 2014-12-31].</p>")


def show_syntax_help(parent: QWidget | None = None) -> QDialog:
    dialog = QDialog(parent, objectName="syntax_help")
    dialog.setWindowTitle("Search syntax")
    browser = QTextBrowser()
    browser.setOpenExternalLinks(False)
    browser.setOpenLinks(False)
    browser.setHtml(syntax_html())  # our own static page, not document content
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(browser)
    layout.addWidget(buttons)
    fix_minimum_size(dialog, QSize(420, 360))
    dialog.resize(640, 620)
    dialog.show()
    return dialog
