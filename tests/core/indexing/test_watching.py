"""The folder watcher (issue 19, part 6): what changes in an archive folder is found
within seconds and handed to the targeted sync; events lost to an overflow, a watch limit
and a folder that goes away are each handled without spinning the CPU."""

from __future__ import annotations

import os
import queue
import shutil
import sys
import time
from pathlib import Path

import pytest

from archive_app.core.indexing.watching import Changes
from archive_app.core.library import Library
from tests.conftest import write_files
from tests.core.archive_fixtures import make_corpus
from tests.core.conftest import keys

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="inotify is Linux's")
WAIT_SECONDS = 20.0


class Watched:
    """A watcher over a Library's folders whose changes the test applies, as a face does
    (the face's thread does the writing; the watcher's thread only reports)."""

    def __init__(self, library: Library, **options):
        self.library = library
        self.changes: queue.Queue[Changes] = queue.Queue()
        self.statuses: list = []
        options.setdefault("quiet", 0.2)
        self.watcher = library.watcher(self.changes.put, self.statuses.append, **options)
        self.watcher.start()
        self.wait(lambda: self.statuses, "the watcher's first status")

    def wait(self, condition, what: str, seconds: float = WAIT_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, f"no {what} within {seconds:.0f} s"
            time.sleep(0.02)

    def apply_until(self, condition, what: str, seconds: float = WAIT_SECONDS) -> list:
        """Apply each batch of changes as it comes until `condition()` holds."""
        deadline = time.monotonic() + seconds
        summaries = []
        while not condition():
            assert time.monotonic() < deadline, f"{what}: not within {seconds:.0f} s"
            try:
                changes = self.changes.get(timeout=0.1)
            except queue.Empty:
                continue
            summaries.append(self.library.sync_paths(changes.paths, changes.folders))
        return summaries

    def stop(self) -> None:
        self.watcher.stop()
        assert not self.watcher.is_running()


@pytest.fixture
def library(app_paths, tmp_path):
    library = Library(app_paths)
    library.corpus = make_corpus(tmp_path)
    library.sync([library.corpus])
    yield library
    library.close()


@pytest.fixture
def watched(library):
    watched = Watched(library)
    yield watched
    watched.stop()


def test_a_file_written_into_the_folder_becomes_searchable(watched, library):
    assert watched.statuses[-1].watched == (str(library.corpus),)
    assert watched.statuses[-1].describe() == "Watching 1 folder"
    write_files(library.corpus, {"dropped.txt": "Dropped\n\nThe capybara arrived."})
    [summary, *_] = watched.apply_until(lambda: keys(library, "capybara"), "the new file")
    assert summary.added == 1


def test_changes_deletions_moves_and_new_folders_are_followed(watched, library):
    text = library.document("corpus/ashraf.txt").text
    start = text.index("52 residents")
    library.annotate("corpus/ashraf.txt", start, start + 12, ["casualties"])
    (library.corpus / "liberty.txt").write_text("Liberty\n\nThe camp became a tapir farm.",
                                                encoding="utf-8")
    (library.corpus / "accents.txt").unlink()
    (library.corpus / "kept").mkdir()
    (library.corpus / "ashraf.txt").rename(library.corpus / "kept" / "ashraf.txt")
    write_files(library.corpus, {"brand/new/deep.md": "# Deep\n\nThe pangolin hid."})
    watched.apply_until(lambda: keys(library, "tapir") and keys(library, "pangolin")
                        and not keys(library, "zürich")
                        and keys(library, "tag:casualties") == {"corpus/kept/ashraf.txt"},
                        "the four changes")
    [annotation] = library.annotations_for("corpus/kept/ashraf.txt")
    assert annotation.state == "anchored"


def test_a_link_out_of_the_folder_is_not_watched(watched, library, tmp_path):
    outside = write_files(tmp_path / "outside", {"old.txt": "Old\n\nnothing"})
    (library.corpus / "out").symlink_to(outside, target_is_directory=True)
    watched.apply_until(lambda: watched.changes.empty(), "the link's own event")
    time.sleep(0.5)
    while not watched.changes.empty():
        changes = watched.changes.get()
        library.sync_paths(changes.paths, changes.folders)
    write_files(outside, {"secret.txt": "Secret\n\nThe wombat code."})
    time.sleep(1.0)
    assert watched.changes.empty()  # nothing inside the folder changed
    assert keys(library, "wombat") == set()


def test_dot_folders_are_not_watched(watched, library):
    write_files(library.corpus, {".git/objects/x.txt": "The wombat object."})
    time.sleep(0.6)
    write_files(library.corpus, {".git/objects/y.txt": "The wombat object."})
    time.sleep(1.0)
    assert watched.changes.empty()


def test_a_folder_that_goes_is_looked_for_slowly_and_read_again_when_back(library,
                                                                          tmp_path):
    watched = Watched(library, retry_first=0.5, retry_most=4.0)
    try:
        away = tmp_path / "away"
        library.corpus.rename(away)  # as an unplugged drive: the folder is gone
        watched.wait(lambda: watched.statuses[-1].missing == (str(library.corpus),),
                     "the folder reported missing")
        assert "1 not found" in watched.statuses[-1].describe()
        watched.apply_until(lambda: watched.changes.empty(), "the last events")
        before = watched.watcher.wakeups
        time.sleep(2.0)
        assert watched.watcher.wakeups - before <= 5  # 0.5 s, then 1 s, then 2 s: no spin
        assert keys(library, "ashraf") == {"corpus/ashraf.txt"}  # its documents stay
        write_files(away, {"while-away.txt": "Away\n\nThe ocelot slept."})
        away.rename(library.corpus)
        [*_, last] = watched.apply_until(lambda: keys(library, "ocelot"), "the return")
        assert last.rescanned == [str(library.corpus)]  # what changed meanwhile is read
        assert watched.statuses[-1].watched == (str(library.corpus),)
    finally:
        watched.stop()


def test_a_lost_folder_with_nothing_pending_sleeps(library):
    watched = Watched(library, retry_first=30.0)
    try:
        shutil.rmtree(library.corpus)
        watched.wait(lambda: watched.statuses[-1].missing, "the folder reported missing")
        time.sleep(0.5)
        before = watched.watcher.wakeups
        time.sleep(2.0)
        assert watched.watcher.wakeups - before <= 1
    finally:
        watched.stop()


def test_an_idle_watcher_does_not_wake_up(watched):
    time.sleep(0.3)
    before = watched.watcher.wakeups
    time.sleep(2.0)
    assert watched.watcher.wakeups == before


def test_the_watch_limit_falls_back_to_polling_with_a_message(library):
    write_files(library.corpus, {f"f{n}/a.txt": "x" for n in range(5)})
    watched = Watched(library, watch_limit=3, poll_seconds=0.3)
    try:
        status = watched.statuses[-1]
        assert status.polled == (str(library.corpus),) and status.watched == ()
        assert "limit of inotify watches" in status.notes[0]
        assert "max_user_watches" in status.notes[0]
        assert "by polling" in status.describe()
        write_files(library.corpus, {"f3/polled.txt": "Polled\n\nThe quetzal flew."})
        watched.apply_until(lambda: keys(library, "quetzal"), "the polled change")
        (library.corpus / "f3" / "polled.txt").rename(library.corpus / "f4" / "moved.txt")
        watched.apply_until(lambda: keys(library, "quetzal") == {"corpus/f4/moved.txt"},
                            "the polled move")
    finally:
        watched.stop()


def test_polling_only_stats_folders_and_sees_new_and_deleted_files(library):
    watched = Watched(library, use_inotify=False, poll_seconds=0.3)
    try:
        assert watched.statuses[-1].polled == (str(library.corpus),)
        write_files(library.corpus, {"code/new.txt": "New\n\nThe axolotl swam."})
        watched.apply_until(lambda: keys(library, "axolotl"), "the polled new file")
        (library.corpus / "code" / "new.txt").unlink()
        watched.apply_until(lambda: not keys(library, "axolotl"), "the polled deletion")
    finally:
        watched.stop()


def test_an_overflow_reads_the_folders_in_full(library):
    """More events than the kernel queues (fs.inotify.max_queued_events) while the
    watcher is not reading: IN_Q_OVERFLOW, and the folder is handed on to be read whole."""
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    if limit > 100_000:
        pytest.skip(f"max_queued_events is {limit}")
    got: list[Changes] = []
    watcher = library.watcher(got.append, quiet=0.0)
    watcher.open()  # driven by hand: nobody reads while the events pile up
    try:
        folder = library.corpus / "flood"
        folder.mkdir()
        watcher.step(0)
        for number in range(limit // 2 + 100):
            fd = os.open(folder / f"f{number}.tmp", os.O_CREAT | os.O_WRONLY, 0o644)
            os.close(fd)  # IN_CREATE and IN_CLOSE_WRITE: two events a file
        watcher.step(0)
        watcher.flush()
        assert any(str(library.corpus) in changes.folders for changes in got)
    finally:
        watcher.stop()


def test_set_folders_watches_a_folder_added_later(watched, library, tmp_path):
    other = write_files(tmp_path / "other", {"a.txt": "A\n\nThe first gecko."})
    library.sync([other])
    watched.watcher.set_folders(library.roots())
    watched.wait(lambda: len(watched.statuses[-1].watched) == 2, "the second folder")
    write_files(other, {"b.txt": "B\n\nThe second gecko, a tokay."})
    watched.apply_until(lambda: keys(library, "tokay"), "the change in the added folder")
