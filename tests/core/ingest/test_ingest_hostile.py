"""Hostile and broken files: each is refused with a code and a reason a user can act on."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import load_document


def rejection(path: Path) -> RejectedFile:
    with pytest.raises(RejectedFile) as info:
        load_document(path, path.name)
    assert info.value.reason  # never a blank message
    return info.value


def test_zero_byte_txt_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.touch()
    assert rejection(path).code == "empty"


def test_whitespace_only_txt_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n\t \n")
    assert rejection(path).code == "empty"


def test_png_named_txt_is_binary(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000))
    error = rejection(path)
    assert error.code == "binary"
    assert "binary" in error.reason


def test_invalid_utf8_is_still_indexed(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"Minutes of the meeting\nThe river \xff\xfe rose by two metres.\n")
    doc = load_document(path, "mixed.txt")
    assert "river" in doc.text and "rose by two metres." in doc.text
    assert doc.title == "Minutes of the meeting"


def test_truncated_pdf_is_corrupt(pdf_file: Path) -> None:
    data = pdf_file.read_bytes()
    pdf_file.write_bytes(data[: len(data) // 2])
    error = rejection(pdf_file)
    assert error.code in {"corrupt", "empty"}
    assert "PDF" in error.reason or "no text" in error.reason


def test_garbage_named_pdf_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_text("this is not a PDF at all")
    error = rejection(path)
    assert error.code == "corrupt"
    assert error.reason.startswith("PDF could not be parsed")


def test_pdf_without_text_layer_asks_for_ocr(image_pdf_file: Path) -> None:
    error = rejection(image_pdf_file)
    assert error.code == "empty"
    assert "OCR" in error.reason


def test_docx_zip_bomb_is_refused_before_extraction(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (50 * 1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    error = rejection(path)
    assert error.code == "bomb"
    assert "zip bomb" in error.reason


def test_text_file_renamed_docx_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_text("plain text, not a zip")
    assert rejection(path).code == "corrupt"


def test_zip_without_word_document_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert rejection(path).code == "corrupt"


def test_epub_with_entity_declarations_is_refused(epub_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "laughs.epub"
    with zipfile.ZipFile(epub_file) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "META-INF/container.xml":
                data = b'<!DOCTYPE c [<!ENTITY a "aaaa">]>' + data.split(b"?>", 1)[1]
            target.writestr(item, data)
    error = rejection(path)
    assert (error.code, "entities" in error.reason) == ("corrupt", True)


def test_file_over_the_size_limit_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:
        handle.truncate(70 * 1024 * 1024)  # sparse: costs no disk
    error = rejection(path)
    assert error.code == "too-large"
    assert "70.0 MB" in error.reason and "64 MB" in error.reason


def test_symlink_loop_is_unreadable(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b.txt", tmp_path / "a.txt")
    os.symlink(tmp_path / "a.txt", tmp_path / "b.txt")
    error = rejection(tmp_path / "a.txt")
    assert error.code == "unreadable"
    assert "symbolic links" in error.reason


def test_unreadable_file_reports_the_os_error(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    if os.geteuid() == 0:  # root reads chmod-000 files; a directory fails honestly instead
        path.mkdir()
        expected = "Is a directory"
    else:
        path.write_text("secret")
        path.chmod(0)
        expected = "Permission denied"
    error = rejection(path)
    assert error.code == "unreadable"
    assert expected in error.reason


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    error = rejection(tmp_path / "gone.pdf")
    assert (error.code, "No such file" in error.reason) == ("unreadable", True)


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "program.exe"
    path.write_bytes(b"PK")
    assert rejection(path).code == "unsupported"


def test_deeply_nested_html_does_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text("<div>" * 100_000 + "bottom of the well" + "</div>" * 100_000)
    assert load_document(path, "deep.html").text == "bottom of the well"


def test_script_text_never_reaches_the_index(tmp_path: Path) -> None:
    path = tmp_path / "xss.html"
    path.write_text("<p>Visible words</p><script>alert(1)</script><p>More words</p>")
    doc = load_document(path, "xss.html")
    assert "alert" not in doc.text
    assert doc.text == "Visible words\n\nMore words"
