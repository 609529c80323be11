"""The Browse tab: the whole archive without a query, a folder tree and a document table.

The tree is the archive's folders with containers (zip, 7z, tar), mailboxes and
messages with attachments as folders (core/browse.py), each with the number of
documents under it; a folder's children are read when it is first expanded. Choosing
a folder lists its documents in the table, sortable by every column (a click on a
header), and shows its skipped files with their reasons. Filters are the search's
facet filters (`format:pdf`, `lang:fa`, `author:"…"`, `tag:x`), shown as chips.

Every listing is `Library.browse` on the pool; the table's model holds the listing's
sorted rows and makes only the rows scrolled to (canFetchMore / fetchMore, 200 at a
time), so a folder of 100,000 documents opens at once. A re-sort is the listing's own
in-memory sort, on the pool too; a stale answer (another folder chosen since) is dropped.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTreeView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.browse import COLUMNS, BrowseRow, FolderListing
from archive_app.core.errors import QueryError
from archive_app.core.library import Library
from archive_app.core.search.refine import facet_filter
from archive_app.gui.facets import ChipBar
from archive_app.gui.workers import Generation, run_in_pool

FETCH_BATCH = 200
"""Rows the table's model makes at a time, as the user scrolls."""
HEADERS = ("Title", "Author", "Source", "Date", "Format", "Pages", "Size", "Notes", "Path")
"""The table's headers, one per browse.COLUMNS ("Notes": how many annotations)."""
FILTERS = (("format", "Format"), ("lang", "Language"), ("source", "Source"),
           ("author", "Author"), ("year", "Year"), ("tag", "Tag"))
ADDRESS_ROLE = Qt.ItemDataRole.UserRole + 1
LOADED_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_MARKS = {"archive": "🗜 ", "mailbox": "✉ ", "message": "✉ "}
AnyIndex = QModelIndex | QPersistentModelIndex


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return ""


class BrowseModel(QAbstractTableModel):
    """The documents of one folder listing, made row by row as the view asks."""

    sort_requested = Signal(str, bool)
    """A header was clicked: (column name, descending)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.listing: FolderListing | None = None
        self._keep: tuple[int, int] | None = None
        """(rows made, scroll position) to restore after a refresh."""
        self.rows: list[BrowseRow] = []

    def set_listing(self, listing: FolderListing | None) -> None:
        self.beginResetModel()
        self.listing = listing
        self.rows = listing.rows(0, FETCH_BATCH) if listing is not None else []
        self.endResetModel()

    def total(self) -> int:
        return self.listing.total if self.listing is not None else 0

    def row(self, number: int) -> BrowseRow | None:
        return self.rows[number] if 0 <= number < len(self.rows) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and len(self.rows) < self.total()

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or self.listing is None:
            return
        start = len(self.rows)
        more = self.listing.rows(start, start + FETCH_BATCH)
        if not more:
            return
        self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        row = self.row(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "size":
                return human_size(row.size)
            if column == "pages":
                return str(row.pages) if row.pages else ""
            if column == "annotations":
                return str(row.annotations) if row.annotations else ""
            if column == "title":
                return ("▸ " if row.has_members else "") + row.title
            return getattr(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(part for part in (row.title, row.place or row.path, row.key)
                             if part)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("pages", "size",
                                                                    "annotations"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return f"Sort by {COLUMNS[section]}"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The view's header asks: the re-sort runs on the pool (BrowseView)."""
        if 0 <= column < len(COLUMNS):
            self.sort_requested.emit(COLUMNS[column],
                                     order == Qt.SortOrder.DescendingOrder)


class BrowseView(QWidget):
    """Folder tree, filter chips, document table and the chosen folder's skipped files."""

    document_chosen = Signal(str)
    """Open this document in the reader (a double-click or Enter on its row)."""
    listing_shown = Signal(object)
    """The FolderListing now in the table (tests and the status line wait on it)."""
    folder_loaded = Signal(str)
    """A folder's children are in the tree."""

    def __init__(self, library: Library, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("browse_view")
        self.library = library
        self.loads = Generation()
        self.sorts = Generation()
        self.trees = Generation()
        """The tree is rebuilt when the filters change: answers for an older one drop."""
        self.address = ""
        self.sort_column, self.descending = "title", False
        self.listing: FolderListing | None = None
        self.folder_model = QStandardItemModel(self)
        self.tree = QTreeView(objectName="browse_tree")
        self.model = BrowseModel(self)
        self.table = QTableView(objectName="browse_table")
        self.chips = ChipBar()
        self.chips.setObjectName("browse_chips")
        self.facet_box = QComboBox(objectName="browse_facet")
        self.value_box = QComboBox(objectName="browse_value")
        self.place_label = QLabel(objectName="browse_place", wordWrap=True)
        self.count_label = QLabel(objectName="count_label")
        self.skipped = QTreeWidget(objectName="browse_skipped")
        self._build()
        self._connect()

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        self.tree.setModel(self.folder_model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAccessibleName("Folders")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        self.table.setAccessibleName("Documents in the folder")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((210, 120, 90, 78, 50, 44, 66, 44, 260)):
            header.resizeSection(column, width)
        self.facet_box.setAccessibleName("Filter by")
        for facet, label in FILTERS:
            self.facet_box.addItem(label, facet)
        self.value_box.setEditable(True)
        self.value_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.value_box.lineEdit().setPlaceholderText("value, then Enter")
        self.value_box.setAccessibleName("Filter value")
        self.value_box.setMinimumContentsLength(12)
        self.skipped.setColumnCount(2)
        self.skipped.setHeaderLabels(["Skipped here", "Why"])
        self.skipped.setRootIsDecorated(False)
        self.skipped.setMaximumHeight(110)
        self.skipped.setVisible(False)
        filters = QHBoxLayout()
        filters.setContentsMargins(6, 4, 6, 0)
        filters.addWidget(QLabel("Filter:"))
        filters.addWidget(self.facet_box)
        filters.addWidget(self.value_box, 1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.setSpacing(2)
        lower_layout.addWidget(self.place_label)
        lower_layout.addWidget(self.table, 1)
        lower_layout.addWidget(self.skipped)
        split = QSplitter(Qt.Orientation.Vertical, objectName="browse_splitter")
        split.addWidget(self.tree)
        split.addWidget(lower)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(filters)
        layout.addWidget(self.chips)
        layout.addWidget(split, 1)
        layout.addWidget(self.count_label)

    def _connect(self) -> None:
        self.tree.expanded.connect(self._expanded)
        self.tree.selectionModel().currentChanged.connect(self._folder_chosen)
        self.tree.activated.connect(lambda index: self._folder_chosen(index))
        self.table.doubleClicked.connect(self._open_row)
        self.table.activated.connect(self._open_row)  # Enter on a row, as a double-click
        self.model.sort_requested.connect(self.sort_by)
        self.chips.filters_changed.connect(self.reload)
        self.value_box.lineEdit().returnPressed.connect(self._add_filter)
        self.value_box.activated.connect(lambda _n: self._add_filter())
        self.facet_box.currentIndexChanged.connect(lambda _n: self._offer_values())
        up = QShortcut(QKeySequence(Qt.Key.Key_Backspace), self.table)
        up.setContext(Qt.ShortcutContext.WidgetShortcut)
        up.activated.connect(self.go_up)

    # -- the tree ----------------------------------------------------------------------
    def start(self) -> None:
        """Show the archive's folders (the first time the tab is shown, and after the
        filters or the archive changed) and keep the chosen folder when it still exists."""
        self.trees.next()
        self.folder_model.clear()
        self._load_children(self.folder_model.invisibleRootItem(), "")
        self.show_folder(self.address)

    def reload(self) -> None:
        self.start()

    def _folder_item(self, folder) -> QStandardItem:
        mark = KIND_MARKS.get(folder.kind, "")
        count = f"{folder.documents:,}"
        if folder.skipped:
            count += f", {folder.skipped:,} skipped"
        item = QStandardItem(f"{mark}{folder.name}  ({count})")
        item.setData(folder.address, ADDRESS_ROLE)
        item.setToolTip(folder.address + ("  (folder not found on disk)"
                                          if folder.missing else ""))
        item.appendRow(QStandardItem("…"))  # expandable until its children are read
        return item

    def _expanded(self, index: QModelIndex) -> None:
        item = self.folder_model.itemFromIndex(index)
        if item is not None and not item.data(LOADED_ROLE):
            self._load_children(item, item.data(ADDRESS_ROLE))

    def _load_children(self, item: QStandardItem, address: str) -> None:
        item.setData(True, LOADED_ROLE)
        number = self.trees.current
        run_in_pool(self.library.browse, address, "title", False, self.chips.filters(),
                    on_result=lambda listing: self._fill(number, item, listing),
                    on_error=lambda error: self._failed(error))

    def _fill(self, number: int, item: QStandardItem, listing: FolderListing) -> None:
        if not self.trees.is_current(number):  # the tree was rebuilt: `item` is gone
            return
        item.removeRows(0, item.rowCount())
        for folder in listing.folders:
            child = self._folder_item(folder)
            if folder.documents == 0 and folder.skipped == 0:
                child.removeRows(0, child.rowCount())
            item.appendRow(child)
        if item is self.folder_model.invisibleRootItem() and listing.folders:
            self.tree.expand(self.folder_model.index(0, 0))
        self.folder_loaded.emit(listing.address)

    def item_for(self, address: str) -> QStandardItem | None:
        """The tree's item of a folder, if it has been read into the tree."""
        pending = [self.folder_model.invisibleRootItem()]
        while pending:
            item = pending.pop()
            for row in range(item.rowCount()):
                child = item.child(row)
                if child.data(ADDRESS_ROLE) == address:
                    return child
                pending.append(child)
        return None

    def _folder_chosen(self, current: QModelIndex, _previous=None) -> None:
        address = current.data(ADDRESS_ROLE) if current.isValid() else None
        if address is not None and address != self.address:
            self.show_folder(address)

    # -- the table ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the folder shown again (a tag, a note or a metadata edit changed its
        rows), keeping the rows made and where the table is scrolled."""
        if self.listing is not None:
            self._keep = (self.model.rowCount(), self.table.verticalScrollBar().value())
            self.show_folder(self.address, keep=True)

    def show_folder(self, address: str, keep: bool = False) -> None:
        """List a folder in the table (sorted as the header says, filtered by the chips)."""
        if not keep:
            self._keep = None
        self.address = address
        number = self.loads.next()
        self.count_label.setText("Reading the folder…")
        run_in_pool(self.library.browse, address, self.sort_column, self.descending,
                    self.chips.filters(),
                    on_result=lambda listing: self._show(number, listing),
                    on_error=lambda error: self._load_failed(number, error))

    def _show(self, number: int, listing: FolderListing) -> None:
        if not self.loads.is_current(number):
            return
        self.listing = listing
        self.model.set_listing(listing)
        keep, self._keep = self._keep, None
        if keep is not None:
            while self.model.rowCount() < keep[0] and self.model.canFetchMore():
                self.model.fetchMore()
            self.table.verticalScrollBar().setValue(keep[1])
        self.place_label.setText(self._place_text(listing))
        under = f"{listing.documents_under:,} under it" \
            if listing.documents_under != listing.total else ""
        skipped = f"{listing.skipped_under:,} skipped" if listing.skipped_under else ""
        self.count_label.setText(" · ".join(part for part in (
            f"{listing.total:,} document{'' if listing.total == 1 else 's'} here", under,
            skipped) if part))
        self.skipped.clear()
        for item in listing.skipped:
            row = QTreeWidgetItem([item.path.rsplit("/", 1)[-1], f"{item.code}: {item.reason}"])
            row.setToolTip(0, item.path)
            row.setToolTip(1, item.reason)
            self.skipped.addTopLevelItem(row)
        self.skipped.setVisible(bool(listing.skipped))
        self._offer_values()
        self.listing_shown.emit(listing)

    @staticmethod
    def _place_text(listing: FolderListing) -> str:
        if not listing.address:
            return "The archive: choose a folder"
        return listing.address.replace("//", " › ").replace("/", " › ")

    def _load_failed(self, number: int, error: Exception) -> None:
        if self.loads.is_current(number):
            self._failed(error)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, QueryError):
            self.count_label.setText(f"This filter cannot be read: {error.message}")
        else:
            self.count_label.setText(f"Cannot list this folder: {error}")
        if self.address and "no folder" in str(error):
            self.address = ""

    def sort_by(self, column: str, descending: bool) -> None:
        """Re-sort the folder shown: the listing's own sort, on the pool."""
        self.sort_column, self.descending = column, descending
        if self.listing is None:
            return
        number, listing = self.sorts.next(), self.listing
        run_in_pool(listing.sorted_by, column, descending,
                    on_result=lambda done: self._sorted(number, done),
                    on_error=self._failed)

    def _sorted(self, number: int, listing: FolderListing) -> None:
        if self.sorts.is_current(number) and self.listing is not None \
                and listing.address == self.listing.address:
            self._show(self.loads.current, listing)

    def _open_row(self, index: QModelIndex) -> None:
        row = self.model.row(index.row())
        if row is not None:
            self.document_chosen.emit(row.key)

    def go_up(self) -> None:
        """Backspace in the table: the folder above."""
        if self.listing is not None and self.listing.parent is not None:
            self.show_folder(self.listing.parent)

    # -- filters -----------------------------------------------------------------------
    def _offer_values(self) -> None:
        """The chosen facet's values among the folder's documents (tags: every tag)."""
        facet = self.facet_box.currentData()
        typed = self.value_box.currentText()
        self.value_box.blockSignals(True)
        self.value_box.clear()
        if facet == "tag":
            values = [(tag.name, tag.count) for tag in self.library.tags() if tag.count]
        else:
            values = self.listing.values(facet) if self.listing is not None else []
        for value, count in values[:200]:
            self.value_box.addItem(f"{value}  ({count:,})", value)
        self.value_box.setCurrentIndex(-1)
        self.value_box.setEditText(typed)
        self.value_box.blockSignals(False)

    def _add_filter(self) -> None:
        index = self.value_box.currentIndex()
        text = self.value_box.currentText().strip()
        value = self.value_box.itemData(index) if index >= 0 and \
            self.value_box.itemText(index) == text else text
        if not value:
            return
        facet = self.facet_box.currentData()
        self.value_box.setEditText("")
        self.add_filter(facet, value)

    def add_filter(self, facet: str, value: str) -> None:
        """Keep only documents whose `facet` is `value` (a chip; the listing reloads)."""
        self.chips.add_filter(facet_filter(facet, value),
                              f"{dict(FILTERS).get(facet, facet)}: {value}")
