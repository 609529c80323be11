"""Tagging as the user does it: the dialog, then the store on a worker, one change at a time.

Every change to the user's work (annotate, edit, delete, a tag renamed, merged, recoloured
or deleted, undo and redo; and, from elsewhere in the window, metadata edits, re-anchoring
and removing a folder) runs in the window's one `WriteQueue`, strictly one after another,
so an undo never overtakes the change it undoes. The user's changes are all on the
Library's one history, so Undo always undoes the last of them. After each change the
state the window shows (this document's annotations, every tag) is read back in the same
job and handed over in `state_changed`; a new annotation is also announced on its own
first (`annotation_added`) so that the window can show it at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow, QMessageBox

from archive_app.core.annotations.history import Change
from archive_app.core.annotations.records import (
    WHOLE_DOCUMENT,
    Annotation,
    AnnotationError,
    TagInfo,
    clean_tag,
)
from archive_app.core.library import SAVED_SEARCH, Library
from archive_app.gui.reader import Reader
from archive_app.gui.tag_dialog import TagDialog
from archive_app.gui.workers import WriteQueue


@dataclass
class AnnotationState:
    """What the window shows of the user's annotations after a change."""

    key: str | None
    annotations: list[Annotation] = field(default_factory=list)
    """Those of the document `key`."""
    tags: list[TagInfo] = field(default_factory=list)
    message: str = ""
    metadata_keys: list[str] = field(default_factory=list)
    """Documents whose metadata an undo or redo changed (the window shows them again)."""
    kind: str = ""
    """What an undo or redo changed (history.Change.kind), '' for any other state."""


def read_state(library: Library, key: str | None, message: str = "") -> AnnotationState:
    annotations = library.annotations_for(key) if key else []
    return AnnotationState(key, annotations, library.tags(), message)


def _apply_change(library: Library, key: str | None, message: str,
                  change: Callable[[], Any]) -> AnnotationState:
    change()
    return read_state(library, key, message)


def _undo(library: Library, key: str | None) -> AnnotationState:
    return _history_state(library, key, library.undo_change(), "Undone", "Nothing to undo.")


def _redo(library: Library, key: str | None) -> AnnotationState:
    return _history_state(library, key, library.redo_change(), "Redone", "Nothing to redo.")


def _history_state(library: Library, key: str | None, change: Change | None, done: str,
                   nothing: str) -> AnnotationState:
    """The state after an undo or redo, its message naming what was undone or redone."""
    if change is None:
        return read_state(library, key, nothing)
    state = read_state(library, key, f"{done}: {change.description}.")
    state.kind = change.kind
    if change.kind == "metadata":
        state.metadata_keys = list(change.docs)
    return state


def _tag_problem(tags: list[str]) -> str | None:
    """Why the store would refuse one of these tags, or None when all are fine."""
    for tag in tags:
        try:
            clean_tag(tag)
        except AnnotationError as error:
            return str(error)
    return None


class AnnotationController(QObject):
    """Opens the tag dialog for the reader's selection and applies the user's changes."""

    annotation_added = Signal(object)
    """The Annotation just stored, before anything else is re-read."""
    state_changed = Signal(object)
    """An AnnotationState after a change (or a plain reload)."""
    change_failed = Signal(str)
    metadata_changed = Signal(str)
    """An undo or redo changed this document's metadata."""
    history_changed = Signal()
    """A job finished: what Undo and Redo would do may have changed."""
    saved_searches_changed = Signal()
    """An undo or redo saved or deleted a saved search (the dock reads its list again)."""

    def __init__(self, library: Library, reader: Reader, window: QMainWindow,
                 tag_names: Callable[[], list[str]], writes: WriteQueue):
        super().__init__(window)
        self.library, self.reader, self.window = library, reader, window
        self.tag_names = tag_names
        self.writes = writes
        self.dialog: TagDialog | None = None
        writes.job_finished.connect(self.history_changed)

    def current_key(self) -> str | None:
        view = self.reader.document_view
        return view.key if view is not None else None

    # -- the window's write queue --------------------------------------------------------
    def _submit(self, function: Callable[..., Any], *args: Any,
                on_result: Callable[[Any], None]) -> None:
        """Run a change (or a read-back) in turn with every other write of the window; a
        change that fails says so and the state is read again."""
        def failed(error: Exception) -> None:
            self.change_failed.emit(f"The change was not saved: {error}")
            self.reload()

        self.writes.run(function, *args, on_result=on_result, on_error=failed)

    # -- user actions --------------------------------------------------------------------
    def tag_selection(self) -> None:
        view, selected = self.reader.document_view, self.reader.selection()
        region = self.reader.region_selection()
        if view is not None and region is not None:
            page, rectangle = region
            self._open_dialog(f"[A region of page {page + 1}]", [], "",
                              lambda tags, note: self._submit(
                                  self.library.annotate_region, view.key, page, rectangle,
                                  tags, note, on_result=self._added))
            return
        if view is None or selected is None:
            self.window.statusBar().showMessage("Select a passage in the reader first.")
            return
        start, end = selected
        self._open_dialog(view.text[start:end], [], "", lambda tags, note: self._submit(
            self.library.annotate, view.key, start, end, tags, note, on_result=self._added))

    def tag_document(self) -> None:
        """Tag or note the open document as a whole (Edit ▸ Tag whole document…)."""
        view = self.reader.document_view
        if view is None:
            self.window.statusBar().showMessage("Open a document first.")
            return
        self._open_dialog(WHOLE_DOCUMENT, [], "", lambda tags, note: self._submit(
            self.library.annotate_document, view.key, tags, note, on_result=self._added))

    def edit(self, annotation: Annotation) -> None:
        self._open_dialog(annotation.shown_quote, annotation.tags, annotation.note,
                          lambda tags, note: self._change(
                              "Annotation changed.", self.library.update_annotation,
                              annotation.id, tags, note))

    def _open_dialog(self, quote: str, tags: list[str], note: str,
                     save: Callable[[list[str], str], None]) -> None:
        """The tag dialog; a tag the store would refuse (too deep, too long) is explained
        and the dialog opens again with what the user typed, so no note is lost."""
        if self.dialog is not None:
            self.dialog.deleteLater()
        dialog = self.dialog = TagDialog(quote, self.tag_names(), tags, note,
                                         parent=self.window)

        def accepted() -> None:
            typed_tags, typed_note = dialog.values()
            dialog.deleteLater()
            if self.dialog is dialog:
                self.dialog = None
            problem = _tag_problem(typed_tags)
            if problem is None:
                save(typed_tags, typed_note)
                return
            QMessageBox.warning(self.window, "Tag not saved", f"{problem[0].upper()}"
                                f"{problem[1:]}. Nothing was saved; correct the tag and "
                                "save again.")
            self._open_dialog(quote, typed_tags, typed_note, save)

        dialog.accepted.connect(accepted)
        dialog.open()

    def delete(self, annotation: Annotation) -> None:
        self._change("Annotation deleted (Ctrl+Z undoes).", self.library.delete_annotation,
                     annotation.id)

    def copy_to_reuses(self, annotation: Annotation) -> None:
        """'Also in N documents…': the passage tagged where it stands in them."""
        self._change("Passage tagged in the other documents that hold it (Ctrl+Z undoes).",
                     self.library.copy_to_reuses, annotation.id)

    def undo(self) -> None:
        """Edit ▸ Undo: the last change of any kind, after the changes still queued."""
        self._submit(_undo, self.library, self.current_key(), on_result=self._history_done)

    def redo(self) -> None:
        self._submit(_redo, self.library, self.current_key(), on_result=self._history_done)

    def _history_done(self, state: AnnotationState) -> None:
        for key in state.metadata_keys:
            self.metadata_changed.emit(key)
        if state.kind == SAVED_SEARCH:
            self.saved_searches_changed.emit()
        self.state_changed.emit(state)

    def rename_tag(self, old: str, new: str) -> None:
        self._change(f"Tag '{old}' renamed to '{new}'.", self.library.rename_tag, old, new)

    def merge_tags(self, source: str, target: str) -> None:
        self._change(f"Tag '{source}' merged into '{target}'.", self.library.merge_tags,
                     source, target)

    def set_tag_color(self, name: str, color: str) -> None:
        self._change(f"Colour of '{name}' changed.", self.library.set_tag_color, name, color)

    def delete_tag(self, name: str) -> None:
        self._change(f"Tag '{name}' deleted; its passages and notes are kept (Ctrl+Z "
                     "undoes).", self.library.delete_tag, name)

    def reload(self) -> None:
        """Re-read the open document's annotations and the tags (nothing changes)."""
        self._submit(read_state, self.library, self.current_key(),
                     on_result=self.state_changed.emit)

    def _change(self, message: str, method: Callable[..., Any], *args: Any) -> None:
        self._submit(_apply_change, self.library, self.current_key(), message,
                     lambda: method(*args), on_result=self.state_changed.emit)

    def _added(self, annotation: Annotation) -> None:
        self.annotation_added.emit(annotation)
        done = ("Region tagged." if annotation.is_region else "Document tagged."
                if annotation.is_document else "Passage tagged.")
        self._submit(read_state, self.library, annotation.doc, done,
                     on_result=self.state_changed.emit)
