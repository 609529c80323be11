"""The Tags dock: every tag as a tree with counts and colours; rename, merge, colour, delete.

The dock asks the user (input, colour and confirmation dialogs) and emits what they chose;
the annotation controller carries it out on the store.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.annotations.records import TagInfo
from archive_app.core.annotations.tag_tree import TagNode, build_tag_tree

TAG_ROLE = Qt.ItemDataRole.UserRole + 1
LABEL_LENGTH = 60
"""Characters of a label shown; a tag stored before the length limit is cut short."""
NO_TAGS = "No tags yet. Tag a passage in the reader (Ctrl+T) and its tags appear here."


def swatch(color: str | None, size: int = 12) -> QIcon:
    """A round colour sample; a hollow ring for a group that is not a tag itself."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(0, 0, 0, 110) if color else QColor(128, 128, 128))
    painter.setBrush(QColor(color) if color else Qt.GlobalColor.transparent)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


def _short(text: str, length: int = LABEL_LENGTH) -> str:
    return text if len(text) <= length else text[:length - 1] + "…"


class TagsPanel(QWidget):
    """The dock's content. Signals carry tag names as the store knows them."""

    tag_chosen = Signal(str)
    rename_requested = Signal(str, str)
    merge_requested = Signal(str, str)
    color_requested = Signal(str, str)
    delete_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("tags_panel")
        self.tags: list[TagInfo] = []
        self.tree = QTreeWidget(objectName="tag_tree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = QLabel(NO_TAGS, wordWrap=True, objectName="empty_state")
        self.empty.setMargin(12)
        self.rename_button = QToolButton(text="Rename…", toolTip="Rename the tag and its sub-tags")
        self.merge_button = QToolButton(text="Merge…", toolTip="Merge the tag into another one")
        self.color_button = QToolButton(text="Colour…", toolTip="Change the tag's colour")
        self.delete_button = QToolButton(text="Delete", toolTip="Remove the tag from every "
                                         "passage (annotations and notes stay)")
        self._build_layout()
        self.tree.itemClicked.connect(self._clicked)
        self.tree.currentItemChanged.connect(self._update_buttons)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.rename_button.clicked.connect(self.rename)
        self.merge_button.clicked.connect(self.merge)
        self.color_button.clicked.connect(self.choose_color)
        self.delete_button.clicked.connect(self.delete)
        self.show_tags([])

    def _build_layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.setContentsMargins(4, 0, 4, 4)
        for button in (self.rename_button, self.merge_button, self.color_button,
                       self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

    # -- showing -------------------------------------------------------------------------
    def show_tags(self, tags: list[TagInfo]) -> None:
        current = self.current_node()
        self.tags = list(tags)
        self.tree.clear()
        self._add_nodes(self.tree.invisibleRootItem(), build_tag_tree(self.tags))
        self.tree.expandAll()
        if current is not None and (item := self.item_for(current.name)) is not None:
            self.tree.setCurrentItem(item)
        self.empty.setVisible(not self.tags)
        self.tree.setVisible(bool(self.tags))
        self._update_buttons()

    def _add_nodes(self, parent: QTreeWidgetItem, nodes: list[TagNode]) -> None:
        """One item per node, parents first, without recursion (the core tree is at most
        MAX_TAG_DEPTH deep, whatever the store holds)."""
        pending = [(parent, node) for node in reversed(nodes)]
        while pending:
            owner, node = pending.pop()
            item = self._item(owner, node)
            pending.extend((item, child) for child in reversed(node.children))

    def _item(self, parent: QTreeWidgetItem, node: TagNode) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [_short(node.label), f"{node.total:,}"])
        item.setData(0, TAG_ROLE, node)
        item.setIcon(0, swatch(node.color))
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
        own = f"{node.count} tagged so" if node.is_tag else "a group, not a tag itself"
        name = _short(node.name, 2 * LABEL_LENGTH)
        item.setToolTip(0, f"{name}: {node.total} uses with sub-tags ({own}). "
                           f"Click to search tag:{name}")
        return item

    def colors(self) -> dict[str, str]:
        """Tag name (case-folded) -> colour."""
        return {tag.name.casefold(): tag.color for tag in self.tags}

    def names(self) -> list[str]:
        return [tag.name for tag in self.tags]

    def item_for(self, name: str) -> QTreeWidgetItem | None:
        for item in self._items(self.tree.invisibleRootItem()):
            if item.data(0, TAG_ROLE).name.casefold() == name.casefold():
                return item
        return None

    def _items(self, parent: QTreeWidgetItem) -> list[QTreeWidgetItem]:
        """Every item below `parent`, parents before children (no recursion)."""
        found: list[QTreeWidgetItem] = []
        pending = [parent.child(row) for row in reversed(range(parent.childCount()))]
        while pending:
            item = pending.pop()
            found.append(item)
            pending.extend(item.child(row) for row in reversed(range(item.childCount())))
        return found

    def current_node(self) -> TagNode | None:
        item = self.tree.currentItem()
        return item.data(0, TAG_ROLE) if item is not None else None

    def _update_buttons(self, *_args) -> None:
        node = self.current_node()
        for button in (self.rename_button, self.merge_button):
            button.setEnabled(node is not None)
        for button in (self.color_button, self.delete_button):
            button.setEnabled(node is not None and node.is_tag)

    def _clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        self.tag_chosen.emit(item.data(0, TAG_ROLE).name)

    def _context_menu(self, position: QPoint) -> None:
        item = self.tree.itemAt(position)
        if item is None:
            return
        self.tree.setCurrentItem(item)
        menu = QMenu(self)
        for button in (self.rename_button, self.merge_button, self.color_button,
                       self.delete_button):
            action = menu.addAction(button.text())
            action.setEnabled(button.isEnabled())
            action.triggered.connect(button.click)
        menu.exec(self.tree.viewport().mapToGlobal(position))
        menu.deleteLater()

    # -- asking the user -----------------------------------------------------------------
    def rename(self) -> None:
        node = self.current_node()
        if node is None:
            return
        new, ok = QInputDialog.getText(self, "Rename tag", f"New name for '{node.name}' "
                                       "(sub-tags move with it):", text=node.name)
        if ok and new.strip() and new.strip() != node.name:
            self.rename_requested.emit(node.name, new.strip())

    def merge(self) -> None:
        node = self.current_node()
        if node is None:
            return
        targets = [name for name in self.names() if name.casefold() != node.name.casefold()]
        if not targets:
            QMessageBox.information(self, "Merge tag", "There is no other tag to merge into.")
            return
        target, ok = QInputDialog.getItem(self, "Merge tag", f"Merge '{node.name}' into:",
                                          targets, 0, False)
        if ok and target:
            self.merge_requested.emit(node.name, target)

    def choose_color(self) -> None:
        node = self.current_node()
        if node is None or not node.is_tag:
            return
        color = QColorDialog.getColor(QColor(node.color), self, f"Colour of '{node.name}'")
        if color.isValid():
            self.color_requested.emit(node.name, color.name())

    def delete(self) -> None:
        node = self.current_node()
        if node is None or not node.is_tag:
            return
        answer = QMessageBox.question(
            self, "Delete tag", f"Remove the tag '{_short(node.name)}' from {node.count} "
            "passage(s)?\n\nThe passages and their notes are kept, with their other tags. "
            "You can undo this with Ctrl+Z (Edit ▸ Undo).")
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_requested.emit(node.name)
