"""The export dialog's "Format and options" box: it reads back as a core ExportOptions."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
    QWidget,
)

from archive_app.core.export import FORMATS, ExportOptions, format_module

GROUPING_LABELS = {"tag": "By tag", "document": "By document", "none": "None"}
CITATION_STYLE = 'Chicago-like (Author. "Title." Source, Date. URL.)'
"""The one citation style core writes; shown, not offered as a choice."""
MAX_CONTEXT = 2000


def format_label(name: str) -> str:
    return str(format_module(name).LABEL)


def format_suffix(name: str) -> str:
    return str(format_module(name).SUFFIX)


class OptionsBox(QGroupBox):
    """Format, grouping, notes, context, CSV BOM and the (fixed) citation style."""

    options_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Format and options", parent, objectName="export_section")
        self.format_combo = QComboBox(objectName="export_format")
        for name in FORMATS:
            self.format_combo.addItem(format_label(name), name)
        self.grouping_combo = QComboBox(objectName="export_grouping")
        for name, label in GROUPING_LABELS.items():
            self.grouping_combo.addItem(label, name)
        self.notes_box = QCheckBox("Include notes", checked=True)
        self.context_spin = QSpinBox(minimum=0, maximum=MAX_CONTEXT, singleStep=20,
                                     suffix=" characters", specialValueText="None")
        self.context_spin.setToolTip("How much of the text around each quote to show")
        self.bom_box = QCheckBox("Start with a byte-order mark (for spreadsheet programs)")
        self.citation_combo = QComboBox(enabled=False, objectName="citation_style")
        self.citation_combo.addItem(CITATION_STYLE)
        self.citation_combo.setToolTip("The only citation style for now")
        self.form = QFormLayout(self)
        self.form.addRow("Format:", self.format_combo)
        self.form.addRow("Grouping:", self.grouping_combo)
        self.form.addRow("Surrounding context:", self.context_spin)
        self.form.addRow("", self.notes_box)
        self.form.addRow("", self.bom_box)
        self.form.addRow("Citation style:", self.citation_combo)
        self._connect()
        self._format_changed()

    def _connect(self) -> None:
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        for signal in (self.grouping_combo.currentIndexChanged, self.notes_box.toggled,
                       self.context_spin.valueChanged, self.bom_box.toggled):
            signal.connect(self.options_changed)

    def _format_changed(self, *_args) -> None:
        self.form.setRowVisible(self.bom_box, self.format_name() == "csv")
        self.options_changed.emit()

    def format_name(self) -> str:
        return self.format_combo.currentData()

    def choose_format(self, name: str) -> None:
        self.format_combo.setCurrentIndex(self.format_combo.findData(name))

    def options(self) -> ExportOptions:
        return ExportOptions(format=self.format_name(),
                             grouping=self.grouping_combo.currentData(),
                             include_notes=self.notes_box.isChecked(),
                             context_chars=self.context_spin.value(),
                             csv_bom=self.format_name() == "csv" and self.bom_box.isChecked())
