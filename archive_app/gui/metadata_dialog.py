"""Edit… : the user's corrections to a document's metadata, with the date checked as typed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from archive_app.core.export.kinds import CSL_TYPES
from archive_app.core.indexing.model import DocumentView
from archive_app.core.metadata import METADATA_FIELDS
from archive_app.core.text.dates import normalise_date
from archive_app.gui.sizing import fix_minimum_size

LABELS = {"title": "Title", "author": "Author", "source": "Source / publication",
          "date": "Date", "url": "URL", "lang": "Language", "type": "Type"}


class MetadataDialog(QDialog):
    """Fields for title/author/source/date/url/lang/type and a 'Save as sidecar' choice.

    The type (report, book, webpage, personal_communication...) is what the CSL-JSON and
    BibTeX exports call the document; left empty, they guess it from the file."""

    def __init__(self, view: DocumentView, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Edit metadata — {view.title or view.key}")
        self.setMinimumWidth(520)
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name in METADATA_FIELDS:
            field = QLineEdit(getattr(view, name, ""), objectName=f"edit_{name}")
            self.fields[name] = field
            form.addRow(LABELS[name] + ":", field)
        self.fields["date"].setPlaceholderText("2013, 2013-09 or 2013-09-01 (other forms are read)")
        self.fields["type"].setPlaceholderText("guessed from the file; e.g. report, book, "
                                               "webpage, article-newspaper")
        self.fields["type"].setCompleter(QCompleter(list(CSL_TYPES), self))
        self.date_hint = QLabel(objectName="error_label")
        self.save_sidecar = QCheckBox(f"Save as sidecar ({view.path.rsplit('/', 1)[-1]}"
                                      ".meta.json beside the file)")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Your corrections are kept in your archive home and survive "
                                "re-indexing.", wordWrap=True))
        layout.addLayout(form)
        layout.addWidget(self.date_hint)
        layout.addWidget(self.save_sidecar)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.fields["date"].textChanged.connect(self._check_date)
        self._check_date(self.fields["date"].text())
        fix_minimum_size(self)

    def _check_date(self, text: str) -> None:
        normalised = normalise_date(text) if text.strip() else ""
        valid = not text.strip() or bool(normalised)
        if not valid:
            self.date_hint.setText("This date cannot be read: use e.g. 2013-09-01.")
        elif normalised and normalised != text.strip():
            self.date_hint.setText(f"Will be saved as {normalised}.")
        else:
            self.date_hint.setText("")
        self.date_hint.setProperty("valid", valid)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(valid)

    def values(self) -> dict[str, str]:
        """The fields as the core stores them (an empty value removes the user's edit)."""
        values = {name: field.text().strip() for name, field in self.fields.items()}
        values["date"] = normalise_date(values["date"]) if values["date"] else ""
        return values

    def wants_sidecar(self) -> bool:
        return self.save_sidecar.isChecked()
