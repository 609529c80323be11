"""The Annotations view across the whole archive: filter, sort, and check rows to export.

`AnnotationTableModel` holds one row per annotation with a check box in the first
column; `AnnotationFilterProxy` narrows it by tag (and sub-tags), text and "needs
attention", by core's one rule (`AnnotationFilter`, which `Library.all_annotations` keeps
too). Checks are kept by annotation id, so they survive filtering and reloads.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.annotations.records import Annotation, AnnotationFilter
from archive_app.core.library import Library
from archive_app.gui.workers import Generation, run_in_pool

AnyIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("Document", "Quote", "Tags", "Note", "State", "Modified")
DOCUMENT, QUOTE, TAGS, NOTE, STATE, MODIFIED = range(len(COLUMNS))
STATE_NAMES = {"anchored": "Anchored", "reanchored": "Moved: check it",
               "orphaned": "Not found"}
ANNOTATION_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
ALL_TAGS = "All tags"


@dataclass
class AnnotationRow:
    annotation: Annotation
    title: str


def load_rows(library: Library) -> list[AnnotationRow]:
    """Every annotation with its document's title (the key when the document is gone)."""
    titles: dict[str, str] = {}
    rows = []
    for annotation in library.all_annotations():
        if annotation.doc not in titles:
            titles[annotation.doc] = library.document_title(annotation.doc)
        rows.append(AnnotationRow(annotation, titles[annotation.doc]))
    return rows


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


class AnnotationTableModel(QAbstractTableModel):
    """One row per annotation; column 0 is checkable."""

    checks_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[AnnotationRow] = []
        self.checked: set[int] = set()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == DOCUMENT:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        annotation = row.annotation
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.CheckStateRole and column == DOCUMENT:
            return (Qt.CheckState.Checked if annotation.id in self.checked
                    else Qt.CheckState.Unchecked)
        if role == Qt.ItemDataRole.ToolTipRole:
            return {DOCUMENT: annotation.doc, QUOTE: annotation.shown_quote,
                    NOTE: annotation.note}.get(column)
        if role == SORT_ROLE:
            if column == DOCUMENT:
                return (row.title.casefold(), annotation.start)
            if column == TAGS:
                return ", ".join(annotation.tags).casefold()
            if column == MODIFIED:  # the cell shows minutes; the order needs the seconds
                return (annotation.modified, annotation.id)
            return self._text(row, column).casefold()
        if role == ANNOTATION_ROLE:
            return annotation
        return None

    def _text(self, row: AnnotationRow, column: int) -> str:
        annotation = row.annotation
        return (row.title, _one_line(annotation.shown_quote), ", ".join(annotation.tags),
                _one_line(annotation.note), STATE_NAMES.get(annotation.state, annotation.state),
                annotation.modified[:16].replace("T", " "))[column]

    def setData(self, index: AnyIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != DOCUMENT:
            return False
        self.set_checked([index.row()], Qt.CheckState(value) == Qt.CheckState.Checked)
        return True

    def set_checked(self, rows: list[int], checked: bool) -> None:
        for row in rows:
            annotation_id = self.rows[row].annotation.id
            if checked:
                self.checked.add(annotation_id)
            else:
                self.checked.discard(annotation_id)
        if rows:
            self.dataChanged.emit(self.index(min(rows), DOCUMENT),
                                  self.index(max(rows), DOCUMENT),
                                  [Qt.ItemDataRole.CheckStateRole])
            self.checks_changed.emit()

    def set_rows(self, rows: list[AnnotationRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.checked &= {row.annotation.id for row in self.rows}
        self.endResetModel()
        self.checks_changed.emit()

    def checked_annotations(self) -> list[Annotation]:
        return [row.annotation for row in self.rows if row.annotation.id in self.checked]


class AnnotationFilterProxy(QSortFilterProxyModel):
    """Keeps the rows core's `AnnotationFilter` accepts (a tag or one below it, a text in
    the quote, note, a tag or the title, only those needing attention); sorts them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.filter = AnnotationFilter()
        self.setSortRole(SORT_ROLE)

    def set_filters(self, tag: str, text: str, attention: bool) -> None:
        self.beginFilterChange()
        self.filter = AnnotationFilter(tag=tag, text=text, attention=attention)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:  # noqa: N802
        row = self.sourceModel().rows[source_row]
        return self.filter.accepts(row.annotation, row.title)

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:  # noqa: N802
        return left.data(SORT_ROLE) < right.data(SORT_ROLE)


class AnnotationsView(QWidget):
    """Filters on top, the table, and check-all/none below; double-click opens a passage."""

    annotation_opened = Signal(object)
    rows_loaded = Signal(int)

    def __init__(self, library: Library, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("annotations_view")
        self.library = library
        self.loads = Generation()
        self.model = AnnotationTableModel(self)
        self.proxy = AnnotationFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.tag_combo = QComboBox(objectName="tag_filter")
        self.tag_combo.addItem(ALL_TAGS, "")
        self.tag_combo.setMinimumContentsLength(14)
        self.text_field = QLineEdit(placeholderText="Filter by quote, note, tag or title",
                                    objectName="text_filter")
        self.text_field.setClearButtonEnabled(True)
        self.attention_box = QCheckBox("Needs attention", toolTip="Only passages that moved "
                                       "or were not found after the text changed")
        self.table = QTableView(objectName="annotation_table")
        self.count_label = QLabel(objectName="count_label")
        self.check_all_button = QPushButton("Check all", toolTip="Check every row shown")
        self.check_none_button = QPushButton("Check none")
        self._build_table()
        self._build_layout()
        self._connect()
        self._update_count()

    def _build_table(self) -> None:
        table = self.table
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(DOCUMENT, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(QUOTE, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        for column, width in ((DOCUMENT, 220), (TAGS, 170), (NOTE, 200), (STATE, 110),
                              (MODIFIED, 130)):
            header.resizeSection(column, width)

    def _build_layout(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Tag:"))
        filters.addWidget(self.tag_combo)
        filters.addWidget(self.text_field, 1)
        filters.addWidget(self.attention_box)
        checks = QHBoxLayout()
        checks.addWidget(self.check_all_button)
        checks.addWidget(self.check_none_button)
        checks.addStretch(1)
        checks.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(checks)

    def _connect(self) -> None:
        self.tag_combo.currentIndexChanged.connect(self._filter)
        self.text_field.textChanged.connect(self._filter)
        self.attention_box.toggled.connect(self._filter)
        self.check_all_button.clicked.connect(lambda: self.check_shown(True))
        self.check_none_button.clicked.connect(lambda: self.check_shown(False))
        self.table.doubleClicked.connect(self._opened)
        self.model.checks_changed.connect(self._update_count)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)

    # -- loading -------------------------------------------------------------------------
    def reload(self) -> None:
        number = self.loads.next()
        run_in_pool(load_rows, self.library,
                    on_result=lambda rows: self._loaded(number, rows),
                    on_error=lambda error: self.count_label.setText(f"Cannot load: {error}"))

    def _loaded(self, number: int, rows: list[AnnotationRow]) -> None:
        if not self.loads.is_current(number):
            return
        self.model.set_rows(rows)
        self.rows_loaded.emit(len(rows))

    def set_tags(self, names: list[str]) -> None:
        """The tag filter's choices; the chosen tag stays chosen if it still exists."""
        chosen = self.tag_combo.currentData()
        self.tag_combo.blockSignals(True)
        self.tag_combo.clear()
        self.tag_combo.addItem(ALL_TAGS, "")
        for name in sorted(names, key=str.casefold):
            self.tag_combo.addItem(name, name)
        found = self.tag_combo.findData(chosen)
        self.tag_combo.setCurrentIndex(max(0, found))
        self.tag_combo.blockSignals(False)
        if found < 0 and chosen:
            self._filter()

    # -- filtering and checking ----------------------------------------------------------
    def _filter(self, *_args) -> None:
        self.proxy.set_filters(self.tag_combo.currentData() or "", self.text_field.text(),
                               self.attention_box.isChecked())
        self._update_count()

    def shown_annotations(self) -> list[Annotation]:
        return [self.proxy.index(row, 0).data(ANNOTATION_ROLE)
                for row in range(self.proxy.rowCount())]

    def has_filter(self) -> bool:
        """Whether the rows shown are narrowed by a tag, a text or "needs attention"."""
        return self.proxy.filter.narrows

    def check_shown(self, checked: bool) -> None:
        rows = [self.proxy.mapToSource(self.proxy.index(row, 0)).row()
                for row in range(self.proxy.rowCount())]
        self.model.set_checked(rows, checked)

    def checked_annotations(self) -> list[Annotation]:
        """The checked rows, shown or filtered out, in document order (for the export)."""
        return self.model.checked_annotations()

    def _update_count(self, *_args) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        checked = len(self.model.checked)
        text = f"{shown} of {total} shown" if shown != total else f"{total} annotations"
        self.count_label.setText(f"{text} · {checked} checked" if checked else text)

    def _opened(self, index: QModelIndex) -> None:
        annotation = index.data(ANNOTATION_ROLE)
        if annotation is not None:
            self.annotation_opened.emit(annotation)
