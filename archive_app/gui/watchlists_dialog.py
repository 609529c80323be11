"""Tools ▸ Watch-lists…: the user's lists of names, made, edited, imported, exported and
deleted here, and the co-occurrence table of the current results.

A list is edited as text, one entity a line: `name, alias, alias…` (the CSV a file
holds). Saving goes through the window's write queue: `Library.save_watchlist` writes
the store and refreshes the documents the change can name from their stored text, then
the window searches again so facets and marks show the change. Nothing here reads a
document file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.entities.cooccurrence import CooccurrenceTable
from archive_app.core.entities.watchlists import (
    WatchList,
    entities_from_csv,
    entities_to_csv,
)
from archive_app.core.errors import ArchiveError
from archive_app.core.library import Library
from archive_app.gui.sizing import fix_minimum_size
from archive_app.gui.workers import WriteQueue, run_in_pool


class ListEditor(QDialog):
    """A list's name and its entities as `name, alias, …` lines."""

    def __init__(self, found: WatchList | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit watch-list" if found else "New watch-list")
        self.name = QLineEdit(found.name if found else "", objectName="watchlist_name")
        self.name.setPlaceholderText("List name, e.g. People")
        self.entities = QPlainTextEdit(objectName="watchlist_entities")
        self.entities.setPlaceholderText("One entity a line: name, alias, alias…\n"
                                         "Nouri al-Maliki, Maliki, مالکی, المالكي")
        if found:
            self.entities.setPlainText(entities_to_csv(found.entities))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Name:"))
        layout.addWidget(self.name)
        layout.addWidget(QLabel("Entities (one a line: name, aliases in any script):"))
        layout.addWidget(self.entities, 1)
        layout.addWidget(buttons)
        fix_minimum_size(self, QSize(480, 360))


class CooccurrenceDialog(QDialog):
    """Entity × entity: how many of the results name both; exportable as CSV."""

    def __init__(self, table: CooccurrenceTable, parent: QWidget | None = None):
        super().__init__(parent)
        self.table_data = table
        self.setWindowTitle("Entities together")
        names = [name for name, _ in table.entities]
        self.table = QTableWidget(len(names), len(names), objectName="cooccurrence_table")
        self.table.setHorizontalHeaderLabels(names)
        self.table.setVerticalHeaderLabels(names)
        for row, values in enumerate(table.rows()):
            for column, count in enumerate(values):
                item = QTableWidgetItem(f"{count:,}" if count else "")
                item.setToolTip(f"{names[row]} and {names[column]}: {count:,} documents"
                                if row != column else f"{names[row]}: {count:,} documents")
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        export = QPushButton("Export CSV…")
        export.clicked.connect(self.export_csv)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(export)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        heading = (f"Documents in common among the results of “{table.query}”"
                   if table.entities else "No watch-list entity in these results.")
        layout.addWidget(QLabel(heading, wordWrap=True))
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        fix_minimum_size(self, QSize(560, 360))

    def export_csv(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export table", "entities.csv",
                                                  "CSV (*.csv)")
        if path:
            Path(path).write_text(self.table_data.to_csv(), encoding="utf-8")


class WatchListsDialog(QDialog):
    """The lists with their sizes, and what can be done with them."""

    lists_changed = Signal()
    """A list was saved, imported or deleted (the index holds the change)."""

    def __init__(self, library: Library, writes: WriteQueue, current_query,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.library, self.writes, self.current_query = library, writes, current_query
        self.setWindowTitle("Watch-lists")
        self.lists = QListWidget(objectName="watchlists")
        self.status = QLabel(objectName="watchlists_status", wordWrap=True)
        buttons = {}
        row = QHBoxLayout()
        for name, slot in (("New…", self.new_list), ("Edit…", self.edit_list),
                           ("Import CSV…", self.import_csv),
                           ("Export CSV…", self.export_csv), ("Delete", self.delete_list),
                           ("Entities together…", self.show_cooccurrence)):
            buttons[name] = QPushButton(name)
            buttons[name].clicked.connect(lambda _checked=False, slot=slot: slot())
            row.addWidget(buttons[name])
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Names to watch for in every document: each entity with "
                                "its aliases in any script (Maliki, مالکی, المالكي are "
                                "one person). They become the entity: field, the "
                                "Watch-lists facet and dotted marks in the reader.",
                                wordWrap=True))
        layout.addWidget(self.lists, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.cooccurrence: CooccurrenceDialog | None = None
        fix_minimum_size(self, QSize(680, 380))
        self.reload()

    def reload(self) -> None:
        self.lists.clear()
        for found in self.library.watchlists():
            item = QListWidgetItem(f"{found.name}  ({len(found.entities):,} entities)")
            item.setData(256, found.name)
            item.setForeground(self.palette().text())
            self.lists.addItem(item)
        if self.lists.count():
            self.lists.setCurrentRow(0)

    def chosen(self) -> str | None:
        item = self.lists.currentItem()
        return item.data(256) if item else None

    # -- changes (through the write queue) ----------------------------------------------
    def _write(self, function, *args, done: str) -> None:
        self.status.setText("Updating the index…")
        self.writes.run(function, *args, on_result=lambda _result: self._written(done),
                        on_error=self._failed)

    def _written(self, message: str) -> None:
        self.status.setText(message)
        self.reload()
        self.lists_changed.emit()

    def _failed(self, error: Exception) -> None:
        message = error.args[0] if isinstance(error, ArchiveError) and error.args else error
        self.status.setText(f"Not done: {message}")

    def save_text(self, name: str, text: str, replacing: str | None = None) -> None:
        """Save `text` (`name, alias…` lines) as the list `name`."""
        entities, problems = entities_from_csv(text)
        if not entities:
            self.status.setText("Not saved: the list has no entity.")
            return
        note = f" ({len(problems)} lines left out)" if problems else ""
        if replacing and replacing.casefold() != name.strip().casefold():
            self.writes.run(self.library.delete_watchlist, replacing,
                            on_result=lambda _r: None, on_error=self._failed)
        self._write(self.library.save_watchlist, name, entities,
                    done=f"Saved {name}: {len(entities):,} entities{note}.")

    def new_list(self) -> None:
        editor = ListEditor(None, self)
        if editor.exec() == QDialog.DialogCode.Accepted:
            self.save_text(editor.name.text(), editor.entities.toPlainText())

    def edit_list(self) -> None:
        name = self.chosen()
        if name is None:
            return
        editor = ListEditor(self.library.watchlist(name), self)
        if editor.exec() == QDialog.DialogCode.Accepted:
            self.save_text(editor.name.text(), editor.entities.toPlainText(), replacing=name)

    def import_csv(self, path: str | None = None, name: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import a watch-list", "",
                                                  "CSV (*.csv *.txt);;All files (*)")
        if not path:
            return
        name = name or Path(path).stem
        self._write(self.library.import_watchlist, Path(path), name,
                    done=f"Imported {Path(path).name} as {name}.")

    def export_csv(self, path: str | None = None) -> None:
        name = self.chosen()
        if name is None:
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export the watch-list",
                                                  f"{name}.csv", "CSV (*.csv)")
        if not path:
            return
        try:
            count = self.library.export_watchlist(name, Path(path), overwrite=True)
        except ArchiveError as error:
            self._failed(error)
            return
        self.status.setText(f"Exported {count:,} entities to {Path(path).name}.")

    def delete_list(self, confirm: bool = True) -> None:
        name = self.chosen()
        if name is None:
            return
        if confirm and QMessageBox.question(
                self, "Delete watch-list", f"Delete the watch-list “{name}”? Documents "
                "are not touched; its entities leave the index.") != \
                QMessageBox.StandardButton.Yes:
            return
        self._write(self.library.delete_watchlist, name, done=f"Deleted {name}.")

    def show_cooccurrence(self) -> None:
        query = self.current_query()
        if not query:
            self.status.setText("Search first: the table counts the current results.")
            return
        run_in_pool(self.library.cooccurrence, query, on_result=self._show_table,
                    on_error=self._failed)

    def _show_table(self, table: CooccurrenceTable) -> None:
        self.cooccurrence = CooccurrenceDialog(table, self)
        self.cooccurrence.show()
