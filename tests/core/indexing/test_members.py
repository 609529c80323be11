"""Containers and messages in the index (issue 14, parts 2 and 3): every member of a zip,
every message of a mailbox and every attachment is a document of its own, keyed by its
place in its file, found by search, annotated like any other, and gone with its file."""

from __future__ import annotations

import io
import os
import zipfile
from email.message import EmailMessage
from pathlib import Path

from docx import Document as DocxDocument

from archive_app.core.library import Library
from tests.conftest import write_files
from tests.core.conftest import keys


def docx_bytes(*paragraphs: str) -> bytes:
    document = DocxDocument()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (2013, 9, 1, 10, 0, 0)), data)
    return path


def inner_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("deep/memo.txt", "Memo\n\nThe quinquireme left port at dawn.")
    return buffer.getvalue()


def leak_folder(base: Path) -> Path:
    corpus = write_files(base / "corpus", {"intro.txt": "Intro\n\nNothing to see here."})
    write_zip(corpus / "leak.zip", {
        "finance/2013/q3.docx": docx_bytes("Quarterly transfers", "Payment to Zanzibar Ltd."),
        "finance/readme.txt": "Readme\n\nThe ledger names the xylograph account.",
        "nested.zip": inner_zip(),
        "../escape.txt": "the clandestine route",
        "tool.exe": b"MZ\x90\x00binary",
    })
    return corpus


def open_library(app_paths, corpus: Path) -> Library:
    library = Library(app_paths)
    library.sync([corpus])
    return library


def test_zip_members_are_documents_with_their_place(app_paths, tmp_path):
    corpus = leak_folder(tmp_path)
    library = open_library(app_paths, corpus)
    try:
        member = "corpus/leak.zip//finance/2013/q3.docx"
        assert keys(library, "zanzibar") == {member}
        assert keys(library, "xylograph") == {"corpus/leak.zip//finance/readme.txt"}
        assert keys(library, "quinquireme") == {"corpus/leak.zip//nested.zip//deep/memo.txt"}
        view = library.document(member)
        assert view.format == "docx"
        assert view.place == "leak.zip \u203a finance/2013/q3.docx"
        assert view.parent == "corpus/leak.zip"
        assert view.path == str(corpus / "leak.zip")
        hit = library.search("zanzibar").hits[0]
        assert hit.place == view.place
        deep = library.document("corpus/leak.zip//nested.zip//deep/memo.txt")
        assert deep.place == "leak.zip \u203a nested.zip \u203a deep/memo.txt"
        assert deep.parent == "corpus/leak.zip//nested.zip"
        listed = [key for key, _, _ in library.members("corpus/leak.zip")]
        assert set(listed) == {member, "corpus/leak.zip//finance/readme.txt",
                               "corpus/leak.zip//nested.zip"}
        container = library.document("corpus/leak.zip")
        assert "finance/readme.txt" in container.text  # the listing is searchable
    finally:
        library.close()


def test_unsafe_and_unsupported_members_are_skipped_with_a_reason(app_paths, tmp_path):
    corpus = leak_folder(tmp_path)
    library = Library(app_paths)
    try:
        summary = library.sync([corpus])
        reasons = {skip.path: (skip.code, skip.reason) for skip in summary.skipped}
        escape = reasons["leak.zip \u203a ../escape.txt"]
        assert escape[0] == "unsafe" and ".." in escape[1]
        assert summary.members == 4  # q3.docx, readme.txt, nested.zip, memo.txt
        assert summary.added == 2  # the files on disk: intro.txt and leak.zip
        assert not keys(library, "clandestine")
    finally:
        library.close()


def test_a_container_is_reread_only_when_it_changes_and_members_follow_it(app_paths,
                                                                        tmp_path):
    corpus = leak_folder(tmp_path)
    library = open_library(app_paths, corpus)
    try:
        again = library.sync()
        assert (again.added, again.updated, again.members) == (0, 0, 0)
        assert again.unchanged == 2
        write_zip(corpus / "leak.zip", {
            "finance/readme.txt": "Readme\n\nThe ledger names the xylograph account.",
            "new.txt": "New\n\nA fresh ombudsman report."})
        os.utime(corpus / "leak.zip", (1e9, 1e9))
        changed = library.sync()
        assert changed.updated == 1
        assert not keys(library, "zanzibar")  # the member that left the zip left the index
        assert not keys(library, "quinquireme")
        assert keys(library, "ombudsman") == {"corpus/leak.zip//new.txt"}
        assert not library.knows("corpus/leak.zip//finance/2013/q3.docx")
        (corpus / "leak.zip").unlink()
        library.sync()
        assert not keys(library, "xylograph") and not keys(library, "ombudsman")
        assert [folder.members for folder in library.folders()] == [0]
    finally:
        library.close()


def test_a_member_is_annotated_and_its_tags_survive_a_rebuild(app_paths, tmp_path):
    corpus = leak_folder(tmp_path)
    library = open_library(app_paths, corpus)
    key = "corpus/leak.zip//finance/readme.txt"
    try:
        library.annotate_quote(key, "xylograph account", ["money/accounts"])
        assert keys(library, "tag:accounts") == {key}
        library.sync(rebuild=True)
        assert keys(library, "tag:accounts") == {key}
        passage = library.annotations_for(key)[0]
        assert library.document(key).text[passage.start:passage.end] == "xylograph account"
    finally:
        library.close()


def message(subject: str, sender: str, to: str, body: str, message_id: str,
            reply_to: str = "", attachment: tuple[str, bytes] | None = None) -> bytes:
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = subject, sender, to
    mail["Cc"] = "Carol Cc <carol@example.org>"
    mail["Date"] = "Tue, 03 Sep 2013 10:00:00 +0000"
    mail["Message-ID"] = message_id
    if reply_to:
        mail["In-Reply-To"] = reply_to
        mail["References"] = reply_to
    mail.set_content(body)
    if attachment:
        name, data = attachment
        mail.add_attachment(data, maintype="application", subtype="octet-stream",
                            filename=name)
    return mail.as_bytes()


def mail_folder(base: Path) -> Path:
    first = message("Transfer", "Ann Sender <ann@example.org>", "bob@example.org",
                    "Please send the harpsichord invoice.", "<m1@example.org>",
                    attachment=("invoice.docx", docx_bytes("Invoice for the marimba.")))
    reply = message("Re: Transfer", "Bob Reply <bob@example.org>", "ann@example.org",
                    "Sent the harpsichord invoice.", "<m2@example.org>",
                    reply_to="<m1@example.org>")
    corpus = write_files(base / "mail", {"first.eml": first, "reply.eml": reply})
    maildir = corpus / "Maildir"
    for part in ("cur", "new", "tmp"):
        (maildir / part).mkdir(parents=True)
    (maildir / "cur" / "1378202400.M1P2.host:2,S").write_bytes(message(
        "Minutes", "Dan Dir <dan@example.org>", "ann@example.org",
        "The committee discussed the theodolite.", "<m3@example.org>"))
    return corpus


def test_mail_headers_are_searchable_and_attachments_are_children(app_paths, tmp_path):
    library = open_library(app_paths, mail_folder(tmp_path))
    try:
        assert keys(library, "from:ann@example.org") == {"mail/first.eml"}
        assert keys(library, "to:ann") == {"mail/reply.eml",
                                           "mail/Maildir/cur/1378202400.M1P2.host:2,S"}
        assert "mail/first.eml" in keys(library, "cc:carol")
        attachment = keys(library, "marimba")
        assert len(attachment) == 1
        child = library.document(attachment.pop())
        assert child.parent == "mail/first.eml" and child.format == "docx"
        assert child.place.startswith("first.eml \u203a attachment 1")
        assert [k for k, _, _ in library.members("mail/first.eml")] == [child.key]
        senders = dict(library.search("harpsichord").facets["sender"])
        assert senders == {"ann@example.org": 1, "bob@example.org": 1}
        view = library.document("mail/first.eml")
        assert view.details["from"] == "Ann Sender <ann@example.org>"
        thread = [k for k, *_ in library.thread("mail/reply.eml")]
        assert thread == ["mail/first.eml", "mail/reply.eml"]
        assert keys(library, "theodolite") == {"mail/Maildir/cur/1378202400.M1P2.host:2,S"}
    finally:
        library.close()


def test_annotations_on_members_follow_a_moved_zip_and_orphan_with_a_gone_member(
        app_paths, tmp_path):
    corpus = leak_folder(tmp_path)
    library = open_library(app_paths, corpus)
    try:
        kept = library.annotate_quote("corpus/leak.zip//finance/readme.txt",
                                      "xylograph account", ["money"])
        lost = library.annotate_quote("corpus/leak.zip//finance/2013/q3.docx",
                                      "Zanzibar Ltd", ["companies"])
        (corpus / "leak.zip").rename(corpus / "moved.zip")
        summary = library.sync()
        assert ("corpus/leak.zip//finance/readme.txt",
                "corpus/moved.zip//finance/readme.txt") in summary.moved
        assert keys(library, "tag:money") == {"corpus/moved.zip//finance/readme.txt"}
        by_id = {a.id: a for a in library.all_annotations()}
        assert by_id[kept.id].doc == "corpus/moved.zip//finance/readme.txt"
        assert by_id[kept.id].state == "anchored"
        write_zip(corpus / "moved.zip", {
            "finance/readme.txt": "Readme\n\nThe ledger names the xylograph account."})
        os.utime(corpus / "moved.zip", (1e9, 1e9))
        library.sync()
        by_id = {a.id: a for a in library.all_annotations()}
        assert by_id[lost.id].state == "orphaned"  # its member left the zip
        assert by_id[kept.id].state == "anchored"
    finally:
        library.close()


def test_check_finds_no_damage_in_an_archive_with_members(app_paths, tmp_path):
    from archive_app.core.indexing.health import DAMAGE, inspect

    corpus = leak_folder(tmp_path)
    open_library(app_paths, corpus).close()
    report = inspect(app_paths)
    assert not report.index_damaged
    assert not report.groups[DAMAGE].items
    assert report.documents == 6  # intro.txt, leak.zip and its 4 readable members
