"""The tag dialog: tags with completion (comma-separated, '/' for a hierarchy) and a note."""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QStringListModel,
    Qt,
)
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.annotations.tag_tree import format_tags, parse_tags
from archive_app.gui.sizing import fix_minimum_size

QUOTE_PREVIEW_CHARS = 240
TAG_HINT = "Separate tags with commas; use / for a hierarchy, e.g. people/witnesses."


class TagListCompleter(QCompleter):
    """Completes the entry after the last comma and keeps the entries before it."""

    def __init__(self, names: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setModel(QStringListModel(sorted(names, key=str.casefold), self))
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)

    def splitPath(self, path: str) -> list[str]:  # noqa: N802 (Qt override)
        return [path.rsplit(",", 1)[-1].strip()]

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:  # noqa: N802
        completion = super().pathFromIndex(index)
        field = self.widget()
        typed = field.text() if isinstance(field, QLineEdit) else ""
        before = typed.rsplit(",", 1)[0] if "," in typed else ""
        return f"{before.rstrip()}, {completion}" if before.strip() else completion


class TagDialog(QDialog):
    """Asks for tags and a note for a passage; `values()` gives what the user accepted."""

    def __init__(self, quote: str, names: list[str], tags: list[str] | None = None,
                 note: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("tag_dialog")
        self.setWindowTitle("Edit annotation" if tags or note else "Tag selection")
        self.quote = QLabel(_preview(quote), wordWrap=True, objectName="tag_dialog_quote")
        self.quote.setTextFormat(Qt.TextFormat.PlainText)
        self.tags_field = QLineEdit(placeholderText="witness, people/victims",
                                    objectName="tags_field")
        self.tags_field.setCompleter(TagListCompleter(names, self.tags_field))
        self.tags_field.setText(format_tags(tags or []))
        self.hint = QLabel(TAG_HINT, wordWrap=True, objectName="hint_label")
        self.note_field = QPlainTextEdit(objectName="note_field")
        self.note_field.setPlaceholderText("Optional note")
        self.note_field.setPlainText(note)
        self.note_field.setTabChangesFocus(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button().setToolTip("Save (Ctrl+Enter)")
        self._build_layout()
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.tags_field.textChanged.connect(self._update_save)
        self.note_field.textChanged.connect(self._update_save)
        self._update_save()
        self._initial = self.values()
        self.note_field.installEventFilter(self)
        self.tags_field.installEventFilter(self)
        fix_minimum_size(self)
        self.resize(self.size().expandedTo(QSize(480, 340)))

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Tags:", self.tags_field)
        form.addRow("", self.hint)
        form.addRow("Note:", self.note_field)
        layout = QVBoxLayout(self)
        layout.addWidget(self.quote)
        layout.addLayout(form, 1)
        layout.addWidget(self.buttons)

    def save_button(self):
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    def values(self) -> tuple[list[str], str]:
        return parse_tags(self.tags_field.text()), self.note_field.toPlainText().strip()

    def has_changes(self) -> bool:
        """Whether the user typed something the dialog would lose on Esc."""
        return self.values() != self._initial

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        """Ctrl+Enter saves from the note (Enter alone is a new line there)."""
        if (event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            if self.save_button().isEnabled():
                self.accept()
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Esc closes at once when nothing was typed, and asks first when something was."""
        if event.key() == Qt.Key.Key_Escape and self.has_changes() and not self._discard():
            event.accept()
            return
        super().keyPressEvent(event)

    def _discard(self) -> bool:
        answer = QMessageBox.question(
            self, self.windowTitle(), "Discard the tags and note you typed?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer in (QMessageBox.StandardButton.Discard, QMessageBox.StandardButton.Yes)

    def _update_save(self) -> None:
        tags, note = self.values()
        self.save_button().setEnabled(bool(tags or note))
        self.save_button().setToolTip("" if tags or note else "Give at least one tag or a note")


def _preview(quote: str) -> str:
    quote = " ".join(quote.split())
    if len(quote) > QUOTE_PREVIEW_CHARS:
        quote = quote[:QUOTE_PREVIEW_CHARS].rsplit(" ", 1)[0] + " …"
    return f"“{quote}”"
