"""The export dialog's "Format and options" box: it reads back as a core ExportOptions."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from archive_app.core.export import FORMATS, STYLES, ExportOptions, format_module
from archive_app.core.export.qdpx import user_name

GROUPING_LABELS = {"tag": "By tag", "document": "By document", "none": "None"}
USER_KEY = "export/user"
"""QSettings key of the name written as the user of REFI-QDA projects."""
MAX_CONTEXT = 2000


def format_label(name: str) -> str:
    return str(format_module(name).LABEL)


def format_suffix(name: str) -> str:
    return str(format_module(name).SUFFIX)


class OptionsBox(QGroupBox):
    """Format, grouping, notes, context, citation style, and per format: CSV BOM and raw
    cells, the REFI-QDA user name (remembered in `settings` when given)."""

    options_changed = Signal()

    def __init__(self, parent: QWidget | None = None, settings: QSettings | None = None):
        super().__init__("Format and options", parent, objectName="export_section")
        self.settings = settings
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
        self.raw_box = QCheckBox("Raw cells: no ' before cells starting with = + - @ "
                                 "(for tools that are not spreadsheets)", objectName="csv_raw")
        self.citation_combo = QComboBox(objectName="citation_style")
        for name, label in STYLES.items():
            self.citation_combo.addItem(label, name)
        self.citation_combo.setToolTip("How the citation line under each excerpt is written")
        saved = str(settings.value(USER_KEY) or "") if settings is not None else ""
        self.user_field = QLineEdit(saved, objectName="export_user",
                                    placeholderText=user_name(ExportOptions()))
        self.user_field.setToolTip("The user a QDA program files the coding under")
        self.form = QFormLayout(self)
        self.form.addRow("Format:", self.format_combo)
        self.form.addRow("Grouping:", self.grouping_combo)
        self.form.addRow("Surrounding context:", self.context_spin)
        self.form.addRow("", self.notes_box)
        self.form.addRow("", self.bom_box)
        self.form.addRow("", self.raw_box)
        self.form.addRow("Citation style:", self.citation_combo)
        self.form.addRow("Your name:", self.user_field)
        self._connect()
        self._format_changed()

    def _connect(self) -> None:
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        for signal in (self.grouping_combo.currentIndexChanged, self.notes_box.toggled,
                       self.context_spin.valueChanged, self.bom_box.toggled,
                       self.raw_box.toggled, self.citation_combo.currentIndexChanged,
                       self.user_field.textChanged):
            signal.connect(self.options_changed)
        self.user_field.editingFinished.connect(self._remember_user)

    def _remember_user(self) -> None:
        if self.settings is not None:
            self.settings.setValue(USER_KEY, self.user_field.text().strip())

    def _format_changed(self, *_args) -> None:
        self.form.setRowVisible(self.bom_box, self.format_name() == "csv")
        self.form.setRowVisible(self.raw_box, self.format_name() == "csv")
        self.form.setRowVisible(self.user_field, self.format_name() == "qdpx")
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
                             csv_bom=self.format_name() == "csv" and self.bom_box.isChecked(),
                             csv_raw=self.format_name() == "csv" and self.raw_box.isChecked(),
                             style=self.citation_combo.currentData(),
                             user=self.user_field.text().strip())
