"""Facets (left dock) and filter chips: narrowing a search by source, year, format or tag."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from archive_app.core.search.refine import FACET_FIELDS, facet_filter

GROUPS = (("source", "Source"), ("year", "Year"), ("format", "Format"), ("tag", "Tag"),
          ("sender", "Sender"), ("entity", "Watch-lists"), ("email", "E-mail addresses"),
          ("phone", "Phone numbers"), ("link", "Links"), ("iban", "IBANs"),
          ("mentioned", "Dates in the text"))
MAX_VALUES = 30
FACET_ROLE = Qt.ItemDataRole.UserRole + 1
_CLAUSE = re.compile(r'^(\w+):(?:"([^"]*)"|([^\s"]+))$')


def chip_label(clause: str) -> str:
    """The chip a filter clause shows, as choosing its facet value labels it
    ('source:"UN News"' -> 'Source: UN News'); a clause of another kind shows itself."""
    match = _CLAUSE.match(clause)
    facets = {field: facet for facet, field in FACET_FIELDS.items()}
    if match is None or match.group(1) not in facets:
        return clause
    value = match.group(2) if match.group(2) is not None else match.group(3)
    return f"{dict(GROUPS)[facets[match.group(1)]]}: {value}"


class FacetTree(QTreeWidget):
    """Each facet group with its values and counts; activating a value emits its filter."""

    facet_chosen = Signal(str, str)
    """Emitted with (filter clause, chip label), e.g. ('source:"UN News"', 'Source: UN News')."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("facet_tree")
        self.setColumnCount(2)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.setMinimumWidth(200)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.itemClicked.connect(self._choose)
        self.itemActivated.connect(self._choose)

    def show_facets(self, facets: dict[str, list[tuple[str, int]]]) -> None:
        self.clear()
        for name, label in GROUPS:
            values = facets.get(name) or []
            if not values:
                continue
            group = QTreeWidgetItem(self, [label, ""])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for value, count in values[:MAX_VALUES]:
                item = QTreeWidgetItem(group, [value, f"{count:,}"])
                item.setData(0, FACET_ROLE, (name, value))
                item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
                item.setToolTip(0, f"Show only {label.lower()} {value}")
            group.setExpanded(True)

    def item_for(self, facet: str, value: str) -> QTreeWidgetItem | None:
        for item in self._value_items():
            if item.data(0, FACET_ROLE) == (facet, value):
                return item
        return None

    def _value_items(self) -> list[QTreeWidgetItem]:
        root = self.invisibleRootItem()
        return [root.child(g).child(v) for g in range(root.childCount())
                for v in range(root.child(g).childCount())]

    def _choose(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        data = item.data(0, FACET_ROLE)
        if data:
            facet, value = data
            label = dict(GROUPS)[facet]
            self.facet_chosen.emit(facet_filter(facet, value), f"{label}: {value}")


class ChipBar(QWidget):
    """The active filters as removable chips; shown only when there is at least one."""

    filters_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("chip_bar")
        self._filters: dict[str, QToolButton] = {}
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 0, 8, 4)
        self._layout.addWidget(QLabel("Filters:"))
        self._layout.addStretch(1)
        self.setVisible(False)

    def filters(self) -> list[str]:
        return list(self._filters)

    def chips(self) -> list[QToolButton]:
        return list(self._filters.values())

    def add_filter(self, clause: str, label: str) -> None:
        if clause in self._filters:
            return
        chip = QToolButton(objectName="chip", text=f"{label}  ✕",
                           toolTip=f"Remove the filter {clause}")
        chip.setAccessibleName(f"Remove filter {label}")
        chip.clicked.connect(lambda: self.remove_filter(clause))
        self._layout.insertWidget(self._layout.count() - 1, chip)
        self._filters[clause] = chip
        self.setVisible(True)
        self.filters_changed.emit()

    def set_filters(self, clauses: list[str]) -> None:
        """Show exactly these filters (a saved search restored), without asking for a
        search: the caller runs one when everything is restored."""
        self.blockSignals(True)
        try:
            for clause in list(self._filters):
                self.remove_filter(clause)
            for clause in clauses:
                self.add_filter(clause, chip_label(clause))
        finally:
            self.blockSignals(False)

    def remove_filter(self, clause: str) -> None:
        chip = self._filters.pop(clause, None)
        if chip is None:
            return
        self._layout.removeWidget(chip)
        chip.deleteLater()
        self.setVisible(bool(self._filters))
        self.filters_changed.emit()
