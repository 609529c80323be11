"""Outlook data file importer (.pst, .ost): each e-mail handed on as a .eml member.

No Python reader of PST is both maintained and permissively licensed, so the file is
read by `readpst` (Debian's pst-utils, GPL), run as a separate program: no shell, stdin
closed, its output to files (never pipes: what it prints is not held in memory), under
READPST_TIME_LIMIT_SECONDS and an address-space cap (RLIMIT_AS, READPST_MEMORY_BYTES),
inside this file's private members folder. `-e` writes one .eml per message in a folder
per PST folder ("Personal Folders/Inbox/3.eml"), attachments inside it as MIME parts
(so eml.py hands them on in turn); `-t e` only e-mails (contacts, calendars, tasks are
not read); `-b` leaves out the RTF copy of a body it would attach; `-8` UTF-8 bodies;
`-j 0` no parallel children. readpst makes every folder anew (".." becomes "..1"), so it
writes nowhere else; what it wrote is walked here with an explicit stack, refusing
symbolic links, at most MAX_FOLDER_DEPTH deep, MAX_FOLDERS folders and
members.MAX_MEMBERS messages.

A message's key part is "<folder path>/<Message-ID>" (or "message-N" where the ID is
missing or not unique in its folder), its place "folder Inbox › message 3: subject".
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from archive_app.core.errors import RejectedFile
from archive_app.core.ingest import mail_headers, members
from archive_app.core.ingest.documents import Extracted, Member, normalise_field

try:  # POSIX only
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

READPST = "readpst"
READPST_ARGUMENTS = ("-e", "-q", "-b", "-8", "-j", "0", "-t", "e")
READPST_TIME_LIMIT_SECONDS = 600.0
READPST_MEMORY_BYTES = 2 * 1024 ** 3
MAX_FOLDERS = 10_000
MAX_FOLDER_DEPTH = 64
MAX_REASON_CHARS = 160
_MESSAGE_FILE = re.compile(r"(\d{1,12})\.eml")
_TOO_MANY = "the file holds more than {limit} messages; the rest are not read"


@dataclass
class _Message:
    folder: tuple[str, ...]
    number: int
    path: Path
    skip_code: str = ""
    skip_reason: str = ""
    subject: str = ""
    sender: str = ""
    date: str = ""
    message_id: str = ""


def extract(path: Path) -> Extracted:
    """The listing as text, the file's stem as title, and every e-mail as a member."""
    members.check_container_size(path, "Outlook data file")
    program = shutil.which(READPST)
    if program is None:
        raise RejectedFile("unsupported", "reading Outlook .pst files needs readpst "
                                          "(the pst-utils package), which is not installed")
    folder = members.new_members_dir()
    with members.removed_on_error(folder, path):  # our folder, or what readpst wrote
        output = folder / "readpst"
        output.mkdir()
        _run(program, Path(path).resolve(), output, folder)
        messages, notes = _collect(output)
        if not messages:
            raise RejectedFile("empty", "the Outlook data file holds no e-mail messages "
                                        "(contacts, calendars and tasks are not read)")
        return _result(path, folder, messages, notes)


def _cap_memory() -> None:
    """In the child before readpst starts: its address space capped (it cannot take the
    machine, whatever the file makes it do)."""
    if resource is not None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = READPST_MEMORY_BYTES if hard == resource.RLIM_INFINITY else \
            min(READPST_MEMORY_BYTES, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _run(program: str, source: Path, output: Path, folder: Path) -> None:
    """readpst on `source`, writing into `output`; RejectedFile when it fails."""
    command = [program, *READPST_ARGUMENTS, "-o", str(output), str(source)]
    with open(folder / "readpst.out", "w+b") as out, open(folder / "readpst.err", "w+b") as err:
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=err, cwd=output, close_fds=True,
                                       start_new_session=True, preexec_fn=_cap_memory)
        except (OSError, subprocess.SubprocessError) as error:
            raise RejectedFile("unsupported", f"readpst could not be started: {error}") \
                from error
        try:
            code = process.wait(timeout=READPST_TIME_LIMIT_SECONDS)
        except subprocess.TimeoutExpired as error:
            raise RejectedFile("timeout", "readpst took longer than "
                                          f"{READPST_TIME_LIMIT_SECONDS:g} s") from error
        finally:
            _stop(process)
        if code != 0:
            raise RejectedFile("corrupt", "readpst could not read the file: "
                                          + (_first_line(err) or _first_line(out)
                                             or f"it exited with status {code}"))


def _stop(process: subprocess.Popen) -> None:
    """Kill readpst's process group if it is still running (a timeout, or this read was
    interrupted), and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, 9)
        except OSError:
            process.kill()
        process.wait()


def _first_line(handle) -> str:
    """The first non-empty line it printed, as one clean line of at most
    MAX_REASON_CHARS (its bytes decoded leniently, control characters removed)."""
    handle.seek(0)
    for raw in handle.read(64 * 1024).splitlines():
        line = normalise_field(raw.decode("utf-8", "replace"))
        if line:
            return line if len(line) <= MAX_REASON_CHARS else line[:MAX_REASON_CHARS] + "…"
    return ""


def _collect(output: Path) -> tuple[list[_Message], list[str]]:
    """The .eml files readpst wrote, folder by folder (names sorted, messages by number),
    and notes on what was not read."""
    found: list[_Message] = []
    notes: set[str] = set()
    stack: list[tuple[Path, tuple[str, ...]]] = [(output, ())]
    folders = 0
    while stack:
        directory, parts = stack.pop()
        entries = _entries(directory, notes)
        files = sorted((int(match.group(1)), entry) for entry in entries
                       if entry.is_file(follow_symlinks=False)
                       and (match := _MESSAGE_FILE.fullmatch(entry.name)))
        for number, entry in files:
            if len(found) >= members.MAX_MEMBERS:
                notes.add(_TOO_MANY.format(limit=members.MAX_MEMBERS))
                return found, sorted(notes)
            found.append(_Message(parts, number, Path(entry.path)))
        children = sorted((entry for entry in entries if entry.is_dir(follow_symlinks=False)),
                          key=lambda entry: entry.name, reverse=True)
        if children and len(parts) >= MAX_FOLDER_DEPTH:
            notes.add(f"folders nested more than {MAX_FOLDER_DEPTH} deep are not read")
            continue
        for entry in children:
            folders += 1
            if folders > MAX_FOLDERS:
                notes.add(f"the file holds more than {MAX_FOLDERS} folders; the rest are "
                          "not read")
                break
            stack.append((Path(entry.path), (*parts, entry.name)))
    return found, sorted(notes)


def _entries(directory: Path, notes: set[str]) -> list[os.DirEntry]:
    """A folder's entries, symbolic links refused, at most as many as may be read."""
    entries = []
    limit = members.MAX_MEMBERS + MAX_FOLDERS
    with os.scandir(directory) as scan:
        for entry in scan:
            if entry.is_symlink():
                notes.add("symbolic links in readpst's output are not followed")
            elif len(entries) < limit:
                entries.append(entry)
    return entries


def _summarise(message: _Message, budget: members.Budget) -> None:
    """Subject, sender, date and Message-ID from the file's header block; whether the
    message may be read at all (its size, and the file's total)."""
    size = message.path.stat(follow_symlinks=False).st_size
    reason = budget.member_reason(size, None)
    if reason:
        message.skip_code, message.skip_reason = "too-large", reason
    else:
        budget.take(size)
    with open(message.path, "rb") as handle:
        head = handle.read(mail_headers.MAX_HEADER_BLOCK_BYTES)
    headers = mail_headers.parse_header_block(head)
    message.subject = mail_headers.header(headers, "subject")
    message.sender = mail_headers.addresses(headers, "from")
    message.date = mail_headers.header(headers, "date")
    message.message_id = mail_headers.header(headers, "message-id")


def _folder_name(parts: tuple[str, ...]) -> str:
    return "/".join(mail_headers.key_name(normalise_field(part)) for part in parts) or "."


def _result(path: Path, folder: Path, messages: list[_Message],
            notes: list[str]) -> Extracted:
    budget = members.Budget(members.MAX_TOTAL_BYTES)
    for message in messages:
        _summarise(message, budget)
    by_folder: dict[tuple[str, ...], list[_Message]] = {}
    for message in messages:
        by_folder.setdefault(message.folder, []).append(message)
    found, lines = [], []
    for parts, group in by_folder.items():
        name = _folder_name(parts)
        lines.append(f"Folder {name} ({len(group)} message{'' if len(group) == 1 else 's'})")
        keys = mail_headers.unique_keys([message.message_id for message in group])
        for position, (message, key) in enumerate(zip(group, keys, strict=True), 1):
            subject = mail_headers.place_subject(message.subject)
            place = f"folder {name} › message {position}: {subject}"
            line = "  " + mail_headers.listing_line(message.date, message.sender,
                                                    message.subject)
            if message.skip_code:
                found.append(members.skipped(f"{name}/{key}", place, message.skip_code,
                                             message.skip_reason))
                line += f" [not read: {message.skip_reason}]"
            else:
                found.append(Member(key_part=f"{name}/{key}", place=place,
                                    path=str(message.path)))
            lines.append(line)
    too_many = _TOO_MANY.format(limit=members.MAX_MEMBERS)
    if too_many in notes:
        found.append(members.skipped(f"message-{members.MAX_MEMBERS + 1}-and-after",
                                     f"messages after message {members.MAX_MEMBERS}",
                                     "too-large", too_many))
    text = mail_headers.listing("Outlook data file", len(messages), lines,
                                [f"[Archive App: {note}]" for note in notes])
    return Extracted(text=text, metadata={"title": Path(path).stem}, members=found,
                     members_dir=str(folder))
