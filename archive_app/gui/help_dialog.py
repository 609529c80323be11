"""Help ▸ Search syntax: the query language as a static page (no links are followed)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QMenuBar,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.search.query import FIELDS
from archive_app.gui.sizing import fix_minimum_size

HELP_PAGE = Path(__file__).resolve().parents[2] / "resources" / "search-syntax.html"
NATIVE = QKeySequence.SequenceFormat.NativeText
KEYS_START, KEYS_END = "<!-- keys:", "<!-- /keys -->"
OTHER_KEYS = (("Enter", "Search now (in the search field)"),
              ("Esc", "Clear the search field; close Find in document"),
              ("Space", "Check or uncheck a result for export"),
              ("Ctrl+Enter", "Save (in the tag dialog's note)"),
              ("Tab / Shift+Tab", "Move between the search field, results and reader"))


def syntax_html() -> str:
    """The bundled help page, or a short built-in version when resources are not installed."""
    try:
        return HELP_PAGE.read_text(encoding="utf-8")
    except OSError:
        fields = ", ".join(f"<code>{name}:</code>" for name in sorted(set(FIELDS)))
        return (f"<h2>Search syntax</h2><p>Words are ANDed; OR, NOT or -word; "
                f"\"phrases\"; prefix*; fuzzy~; fields: {fields}; dates: date:2013, "
                f"date:2013-09, date:[2013-01-01 TO 2014-12-31].</p>")


def menu_shortcuts(bar: QMenuBar) -> list[tuple[str, str]]:
    """(command, keys) of every visible menu action with a shortcut, in menu order."""
    found: list[tuple[str, str]] = []

    def walk(menu: QMenu) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu())
            elif action.isVisible() and not action.shortcut().isEmpty():
                found.append((action.text().replace("&", "").rstrip("…"),
                              action.shortcut().toString(NATIVE)))

    for action in bar.actions():
        if action.menu() is not None:
            walk(action.menu())
    return found


def keys_html(shortcuts: list[tuple[str, str]]) -> str:
    """The Keys table: the menus' shortcuts, then the keys that belong to no menu."""
    rows = [*((keys, name) for name, keys in shortcuts), *OTHER_KEYS]
    cells = "".join(f"<tr><td><code>{escape(keys)}</code></td><td>{escape(name)}</td></tr>"
                    for keys, name in rows)
    return f"<table cellpadding='2'>{cells}</table>"


def with_keys(page: str, shortcuts: list[tuple[str, str]]) -> str:
    """The help page with its Keys section replaced by the window's actual shortcuts, so
    the list cannot go stale when a menu gains a command."""
    start, end = page.find(KEYS_START), page.find(KEYS_END)
    if start < 0 or end < start:
        return page + "<h3>Keys</h3>" + keys_html(shortcuts)
    return page[:start] + keys_html(shortcuts) + page[end + len(KEYS_END):]


def show_syntax_help(parent: QWidget | None = None) -> QDialog:
    dialog = QDialog(parent, objectName="syntax_help")
    dialog.setWindowTitle("Search syntax")
    browser = QTextBrowser()
    browser.setOpenExternalLinks(False)
    browser.setOpenLinks(False)
    page = syntax_html()
    if isinstance(parent, QMainWindow):
        page = with_keys(page, menu_shortcuts(parent.menuBar()))
    browser.setHtml(page)  # our own static page, not document content
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(browser)
    layout.addWidget(buttons)
    fix_minimum_size(dialog, QSize(420, 360))
    dialog.resize(640, 620)
    dialog.show()
    return dialog
