"""Writing the file: atomic, never overwriting unasked, cancellable, with progress; preview."""

from __future__ import annotations

import pytest

from archive_app.core.errors import ArchiveError, Cancelled
from archive_app.core.export import (
    FORMATS,
    ExportError,
    export_to_file,
    format_module,
    preview,
    render,
)
from archive_app.core.jobs import JobControl
from tests.core.export.conftest import options


def test_writes_the_rendered_bytes(tmp_path, excerpts):
    chosen = options(format="md")
    path = export_to_file(excerpts, chosen, tmp_path / "out.md")
    assert path.read_bytes() == render(excerpts, chosen)
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_existing_file_is_refused_unless_overwrite(tmp_path, excerpts):
    target = tmp_path / "out.md"
    target.write_text("precious", encoding="utf-8")
    with pytest.raises(ExportError, match="already exists") as raised:
        export_to_file(excerpts, options(format="md"), target)
    assert isinstance(raised.value, ArchiveError)
    assert target.read_text(encoding="utf-8") == "precious"
    export_to_file(excerpts, options(format="md"), target, overwrite=True)
    assert target.read_text(encoding="utf-8").startswith("# Excerpts")
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_missing_folder_and_unknown_format_are_clear_errors(tmp_path, excerpts):
    with pytest.raises(ExportError, match="does not exist"):
        export_to_file(excerpts, options(format="md"), tmp_path / "nope" / "out.md")
    with pytest.raises(ExportError, match="unknown export format"):
        export_to_file(excerpts, options(format="pdf"), tmp_path / "out.pdf")
    with pytest.raises(ExportError, match="grouping"):
        render(excerpts, options(format="md", grouping="colour"))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_cancelled_export_leaves_no_file(tmp_path, excerpts, library, name):
    control = JobControl()
    seen = []

    def progress(done, total, message):
        seen.append(done)
        if done == 2:
            control.cancel_event.set()

    control.progress = progress
    with pytest.raises(Cancelled):
        export_to_file(excerpts, options(format=name), tmp_path / f"out.{name}",
                       control=control, texts={})
    assert list(tmp_path.iterdir()) == [] and seen[:2] == [1, 2]


def test_progress_counts_grouped_entries(tmp_path, excerpts):
    reports = []
    control = JobControl(progress=lambda done, total, message: reports.append((done, total)))
    export_to_file(excerpts, options(format="html"), tmp_path / "out.html", control=control)
    assert reports[0] == (1, 8) and (8, 8) in reports and reports[-1] == (7, 7)


def test_preview_shows_the_first_excerpts_in_the_format(excerpts):
    text = preview(excerpts, options(format="md", grouping="none"), count=2)
    assert text.count("\n> ") == 2
    assert "&lt;script&gt;" in preview(excerpts, options(format="html", grouping="none"))
    assert preview(excerpts, options(format="csv"), count=1).count("\r\n") == 2
    assert preview(excerpts, options(format="docx")).startswith("# Excerpts")
    assert preview(excerpts, options(format="qdpx")).startswith("# Excerpts")
    assert preview(excerpts, options(format="csv", csv_bom=True)).startswith("document,")


def test_every_format_module_declares_what_the_dialog_needs():
    for name in FORMATS:
        module = format_module(name)
        assert module.LABEL and module.SUFFIX.startswith(".")
        assert isinstance(module.BINARY, bool) and isinstance(module.NEEDS_TEXTS, bool)
