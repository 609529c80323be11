"""The export dialog's "What to export" box: one radio button per source of excerpts."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from archive_app.gui.export_job import CHECKED, FILTERED, RESULTS, TAGGED, Choice, Selection


class ChoiceBox(QGroupBox):
    """Radio buttons, one per source; a source with nothing in it is disabled."""

    choice_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("What to export", parent, objectName="export_section")
        self.selection = Selection()
        self.buttons = {kind: QRadioButton() for kind in (CHECKED, TAGGED, FILTERED, RESULTS)}
        self.group = QButtonGroup(self)
        self.tag_combo = QComboBox(objectName="export_tag")
        self.tag_combo.setMinimumContentsLength(18)
        self.tag_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        layout = QVBoxLayout(self)
        for kind, button in self.buttons.items():
            self.group.addButton(button)
            button.toggled.connect(self._toggled)
            if kind == TAGGED:
                row = QHBoxLayout()
                row.addWidget(button)
                row.addWidget(self.tag_combo)
                row.addStretch(1)
                layout.addLayout(row)
            else:
                layout.addWidget(button)
        self.buttons[TAGGED].setText("All annotations tagged")
        self.tag_combo.currentIndexChanged.connect(self._tag_changed)

    def set_selection(self, selection: Selection) -> None:
        """Describe the window's selection and pick the first source that has something."""
        self.selection = selection
        checked, filtered = selection.checked_annotations, selection.filtered_annotations
        self._offer(CHECKED, f"Checked annotations ({len(checked)})", bool(checked))
        self._offer(FILTERED, "Annotations matching the view's filter "
                    f"({len(filtered)})", selection.filter_active and bool(filtered))
        self._offer(RESULTS, "Hit passages of the checked search results "
                    f"({len(selection.result_keys)})",
                    bool(selection.result_keys and selection.query))
        self._update_tagged()
        if not self.current_kind():
            first = next((b for b in self.buttons.values() if b.isEnabled()), None)
            if first is not None:
                first.setChecked(True)

    def set_tags(self, names: list[str]) -> None:
        """The tag combo's choices (from Library.tags()); the chosen one stays if it can."""
        chosen = self.tag_combo.currentText()
        self.tag_combo.blockSignals(True)
        self.tag_combo.clear()
        self.tag_combo.addItems(sorted(names, key=str.casefold))
        self.tag_combo.setCurrentIndex(max(0, self.tag_combo.findText(chosen)))
        self.tag_combo.blockSignals(False)
        self._update_tagged()
        self.set_selection(self.selection)
        self.choice_changed.emit()

    def choose(self, kind: str, tag: str | None = None) -> None:
        """Pick a source as a click would (and a tag for TAGGED)."""
        if tag is not None:
            self.tag_combo.setCurrentIndex(self.tag_combo.findText(tag))
        self.buttons[kind].setChecked(True)

    def current_kind(self) -> str:
        return next((kind for kind, button in self.buttons.items()
                     if button.isChecked() and button.isEnabled()), "")

    def choice(self) -> Choice | None:
        """The chosen source, or None when nothing can be exported."""
        kind, selection = self.current_kind(), self.selection
        if kind == CHECKED:
            return Choice(kind, annotations=tuple(selection.checked_annotations))
        if kind == FILTERED:
            return Choice(kind, annotations=tuple(selection.filtered_annotations))
        if kind == TAGGED and self.tag_combo.currentText():
            return Choice(kind, tag=self.tag_combo.currentText())
        if kind == RESULTS:
            return Choice(kind, query=selection.query, keys=tuple(selection.result_keys))
        return None

    def _offer(self, kind: str, text: str, enabled: bool) -> None:
        button = self.buttons[kind]
        button.setText(text)
        button.setEnabled(enabled)

    def _update_tagged(self) -> None:
        has_tags = self.tag_combo.count() > 0
        self.buttons[TAGGED].setEnabled(has_tags)
        self.tag_combo.setEnabled(has_tags)

    def _toggled(self, checked: bool) -> None:
        if checked:
            self.choice_changed.emit()

    def _tag_changed(self, _index: int) -> None:
        if self.current_kind() != TAGGED and self.tag_combo.count():
            self.buttons[TAGGED].setChecked(True)
        else:
            self.choice_changed.emit()
