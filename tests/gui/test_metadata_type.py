"""Edit metadata offers the document type the source exports use (CSL types completed)."""

from __future__ import annotations

from archive_app.core.indexing.model import DocumentView
from archive_app.gui.metadata_dialog import MetadataDialog


def test_the_type_field_is_offered_and_read_back(qtbot):
    view = DocumentView(key="corpus/udhr.txt", path="/c/udhr.txt", title="UDHR", author="",
                        source="United Nations", date="1948-12-10", url="", lang="en",
                        format="txt", text="Whereas", page_starts=[])
    dialog = MetadataDialog(view)
    qtbot.addWidget(dialog)
    field = dialog.fields["type"]
    assert field.objectName() == "edit_type" and field.text() == ""
    completions = field.completer().model()
    assert "report" in [completions.index(i, 0).data() for i in range(completions.rowCount())]
    field.setText("report")
    assert dialog.values()["type"] == "report"
