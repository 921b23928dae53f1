"""Reading a Slack workspace export: a ZIP (or its unzipped folder) of JSON files.

```
users.json  channels.json  groups.json  mpims.json  dms.json   (the last three if exported)
general/2024-03-04.json     one folder per conversation, one JSON array per day
```

Public and private channels' folders are named after the channel, multi-person DMs
after the mpim's name, DMs after their id. Exports re-zipped by hand often sit one
folder down; the root is wherever `channels.json` / `users.json` is.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from townhall.core.services.imports import SourceFailure

from .messages import Conversation, Message, User

DAY_FILE_RE = re.compile(r"^(?P<folder>[^/]+)/(?P<day>\d{4}-\d{2}-\d{2})\.json$")
_message_list = msgspec.json.Decoder(list[Message])
_any = msgspec.json.Decoder()


class Unreadable(Exception):
    """One member of the export could not be read; the message says which and why."""


@dataclass
class Problem:
    """An entry that could not be read: where, why, and the entry itself."""

    position: str
    reason: str
    raw: Any


class Archive:
    """The files of an export, from a ZIP or a folder, by their path inside the export."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir():
            names = sorted(
                p.relative_to(path).as_posix() for p in path.rglob("*.json") if p.is_file()
            )
        else:
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as error:
                raise SourceFailure(
                    f"{path.name} is not a readable ZIP archive ({error}); it may be truncated "
                    "or still downloading: download the Slack export again and re-run the import"
                ) from None
            names = sorted(i.filename for i in self._zip.infolist() if not i.is_dir())
        root = _root_of(names)
        if root is None:
            raise SourceFailure(
                f"{path.name} has no users.json or channels.json: is it a Slack workspace export?"
            )
        self.root: str = root
        prefix = len(root)
        self.names = [n[prefix:] for n in names if n.startswith(self.root)]
        self._name_set = set(self.names)

    def read(self, name: str) -> bytes:
        """The bytes of one member; Unreadable when the archive is damaged there."""
        full = self.root + name
        try:
            if self._zip is None:
                return (self.path / full).read_bytes()
            return self._zip.read(full)
        except KeyError:
            raise Unreadable(f"{name} is missing from the export") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise Unreadable(f"{name} could not be read from the archive: {error}") from None

    def has(self, name: str) -> bool:
        return name in self._name_set

    def day_files(self) -> list[tuple[str, str, str]]:
        """(folder, day, member name) of every per-day message file, sorted."""
        days = []
        for name in self.names:
            match = DAY_FILE_RE.match(name)
            if match:
                days.append((match["folder"], match["day"], name))
        days.sort()
        return days

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _root_of(names: list[str]) -> str | None:
    candidates = [
        n.rsplit("/", 1)[0] + "/" if "/" in n else ""
        for n in names
        if n.rsplit("/", 1)[-1] in ("channels.json", "users.json")
    ]
    return min(candidates, key=lambda c: (c.count("/"), c)) if candidates else None


def decode_list(name: str, data: bytes, kind: type[Any]) -> tuple[list[Any], list[Problem]]:
    """A JSON array of `kind`, and the entries that could not be read.

    Raises Unreadable when the file is not a JSON array at all.
    """
    try:
        items = _any.decode(data)
    except msgspec.DecodeError as error:
        raise Unreadable(f"{name}: malformed JSON ({error})") from None
    if not isinstance(items, list):
        raise Unreadable(f"{name}: expected a JSON array, found {type(items).__name__}")
    good: list[Any] = []
    problems: list[Problem] = []
    for index, item in enumerate(items):
        try:
            good.append(msgspec.convert(item, kind))
        except msgspec.ValidationError as error:
            problems.append(
                Problem(f"{name}#{index + 1}", f"{name}: entry {index + 1}: {error}", item)
            )
    return good, problems


def decode_messages(name: str, data: bytes) -> Iterator[tuple[int, Message | None, Any, str]]:
    """(index, message, raw, problem) for each entry of a day file.

    The typed decoder reads a whole day in one call; only when some entry does not
    fit is the file decoded again loosely, entry by entry, to find which.
    """
    try:
        messages = _message_list.decode(data)
    except msgspec.ValidationError:
        pass
    except msgspec.DecodeError as error:
        raise Unreadable(f"{name}: malformed JSON ({error})") from None
    else:
        for index, message in enumerate(messages):
            yield index, message, None, ""
        return
    try:
        items = _any.decode(data)
    except msgspec.DecodeError as error:  # pragma: no cover - the typed decoder saw it first
        raise Unreadable(f"{name}: malformed JSON ({error})") from None
    if not isinstance(items, list):
        raise Unreadable(f"{name}: expected a JSON array of messages, found {type(items).__name__}")
    for index, item in enumerate(items):
        try:
            yield index, msgspec.convert(item, Message), item, ""
        except msgspec.ValidationError as error:
            yield index, None, item, f"{name}: message {index + 1}: {error}"


@dataclass
class Folder:
    """What a conversation folder is: its id, the channel label, and whether it is a DM."""

    id: str
    label: str
    direct: bool


def folders(archive: Archive) -> tuple[dict[str, Folder], list[Problem]]:
    """Folder name → conversation, from channels/groups/mpims/dms.json; and read problems."""
    found: dict[str, Folder] = {}
    problems: list[Problem] = []
    for listing, direct in (
        ("channels.json", False),
        ("groups.json", False),
        ("mpims.json", True),
        ("dms.json", True),
    ):
        if not archive.has(listing):
            continue
        try:
            conversations, bad = decode_list(listing, archive.read(listing), Conversation)
        except Unreadable as error:
            problems.append(Problem(listing, str(error), None))
            continue
        problems.extend(bad)
        for conversation in conversations:
            # DMs' folders are named by id; every other conversation's by name.
            folder = conversation.id if listing == "dms.json" else conversation.name
            if folder:
                label = (
                    f"dm:{conversation.id}" if listing == "dms.json" else f"#{conversation.name}"
                )
                found[folder] = Folder(conversation.id, label, direct)
    return found, problems


def users(archive: Archive) -> tuple[list[User], list[Problem]]:
    if not archive.has("users.json"):
        return [], []
    try:
        return decode_list("users.json", archive.read("users.json"), User)
    except Unreadable as error:
        return [], [Problem("users.json", str(error), None)]
