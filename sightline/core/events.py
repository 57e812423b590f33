"""The event log: append-only, hash-chained records of every write and every restricted read.

`record_event()` is the only way to add an entry. Each entry's hash covers its content and the
previous entry's hash, so editing or deleting any row breaks the chain from there on;
`verify_chain()` (and `manage.py verify_events`) names the first broken link.

Someone with database access could still cut events off the end and rewrite the chain head.
`write_checkpoint()`, run daily, anchors the chain outside the database: it writes the event
count and the head hash, with the time, to the log stream and appends them to a file under
`SIGHTLINE_CHECKPOINT_DIR`. `verify_chain(checkpoints=...)` (`verify_events --checkpoint FILE`)
then fails if the log is shorter than a checkpoint or its event at that count has another hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from sightline.core.models import Event, EventChainHead
from sightline.core.requestcontext import current_ip

GENESIS_HASH = "0" * 64
CHECKPOINT_FILE_NAME = "event-log-checkpoints.jsonl"
# The log line's fixed words, so checkpoints can be picked out of the log stream with grep.
CHECKPOINT_MARKER = "event log checkpoint"
checkpoint_log = logging.getLogger("sightline.events.checkpoint")

# C0 and C1 control characters (C1 includes the 8-bit CSI, \x9b) and Unicode line breaks.
_CONTROL = (
    {i: f"\\x{i:02x}" for i in range(32)}
    | {i: f"\\x{i:02x}" for i in range(0x7F, 0xA0)}
    | {0x2028: "\\u2028", 0x2029: "\\u2029"}
)


def _clean(text: str, limit: int = 254) -> str:
    """Encode control characters so a value cannot forge log lines or terminal output."""
    return str(text).translate(_CONTROL)[:limit]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {field: [before, after]}."""
    changed = {}
    for key in sorted(set(before) | set(after)):
        old, new = _jsonable(before.get(key)), _jsonable(after.get(key))
        if old != new:
            changed[key] = [old, new]
    return changed


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    result = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            result[name] = sorted(str(pk) for pk in getattr(obj, name).values_list("pk", flat=True))
        elif field.is_relation:
            result[name] = getattr(obj, field.attname)
        else:
            result[name] = getattr(obj, name)
    return _jsonable(result)


def _digest(prev_hash: str, payload: dict[str, Any]) -> str:
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _payload(event: Event) -> dict[str, Any]:
    return {
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "kind": event.kind,
        "action": event.action,
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "ip": event.ip_address,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "changes": event.changes,
        "reason": event.reason,
    }


def record_event(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    kind: str = Event.Kind.WRITE,
    object_type: str = "",
    object_id: str = "",
    actor_label: str = "",
) -> Event:
    """Append one event to the chain, inside the caller's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = _clean(str(obj), 200)
    else:
        object_label = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_id, label = actor.pk, actor_label or actor.get_username()
    else:
        actor_id, label = None, actor_label
    with transaction.atomic():
        head, _ = EventChainHead.objects.select_for_update().get_or_create(pk=1)
        event = Event(
            at=timezone.now(),
            kind=kind,
            action=_clean(action, 80),
            actor_id=actor_id,
            actor_label=_clean(label),
            ip_address=current_ip.get(),
            object_type=_clean(object_type, 100),
            object_id=_clean(object_id, 64),
            object_label=object_label,
            changes=_jsonable(dict(changes or {})),
            reason=_clean(reason, 2000),
            prev_hash=head.last_hash,
        )
        event.hash = _digest(head.last_hash, _payload(event))
        event.save()
        EventChainHead.objects.filter(pk=head.pk).update(last_hash=event.hash, count=head.count + 1)
    return event


@dataclass(frozen=True)
class Checkpoint:
    """The chain as it stood at a moment: how many events, the last one's hash, and when."""

    count: int
    head: str
    at: str
    source: str = ""  # where it was read from: "FILE line N"

    def line(self) -> str:
        return json.dumps({"at": self.at, "count": self.count, "head": self.head}, sort_keys=True)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    problem: str = ""
    checkpoint: Checkpoint | None = None  # the checkpoint the log does not match, if any

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch_size: int = 2000, checkpoints: Sequence[Checkpoint] = ()) -> ChainReport:
    """Walk the chain in order; report the first event whose link or content does not verify,
    or, given checkpoints, the first checkpoint the log is shorter than or differs from."""
    wanted: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        wanted.setdefault(checkpoint.count, []).append(checkpoint)
    for checkpoint in wanted.get(0, []):
        if checkpoint.head != GENESIS_HASH:
            return ChainReport(
                0, 0, "differs from the checkpoint: it records no events", checkpoint
            )
    prev_hash = GENESIS_HASH
    checked = 0
    last_id = 0
    for event in Event.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.id, "link to the previous event does not match")
        if _digest(prev_hash, _payload(event)) != event.hash:
            return ChainReport(checked, event.id, "content does not match its hash")
        prev_hash = event.hash
        checked += 1
        last_id = event.id
        for checkpoint in wanted.get(checked, []):
            if checkpoint.head != event.hash:
                return ChainReport(
                    checked,
                    event.id,
                    f"differs from the checkpoint: event {checked} (id {event.id}) has another "
                    "hash than the one recorded then",
                    checkpoint,
                )
    head = EventChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != prev_hash or head.count != checked):
        return ChainReport(checked, last_id + 1, "events after this point are missing")
    longest = max(checkpoints, key=lambda c: c.count, default=None)
    if longest is not None and longest.count > checked:
        return ChainReport(
            checked,
            last_id + 1,
            f"the log has {checked} events, fewer than the {longest.count} recorded then",
            longest,
        )
    return ChainReport(checked)


# --------------------------------------------------------------------------- checkpoints


class CheckpointFileError(ValueError):
    """A checkpoint file that cannot be read, or a line in it that is not a checkpoint."""


def current_checkpoint() -> Checkpoint:
    """The chain head as it is now (one row, so the count and hash belong together)."""
    head = EventChainHead.objects.filter(pk=1).first()
    count, last_hash = (head.count, head.last_hash) if head else (0, GENESIS_HASH)
    at = timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")
    return Checkpoint(count=count, head=last_hash, at=at)


def checkpoint_file() -> Path:
    return Path(settings.SIGHTLINE_CHECKPOINT_DIR) / CHECKPOINT_FILE_NAME


def write_checkpoint() -> Checkpoint:
    """Anchor the chain outside the database: log the checkpoint, then append it to the file.

    The file is only ever opened for appending. In production its folder belongs on storage
    the application cannot rewrite (write-once, or append-only to this account)."""
    checkpoint = current_checkpoint()
    line = checkpoint.line()
    checkpoint_log.info("%s %s", CHECKPOINT_MARKER, line)
    path = checkpoint_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return checkpoint


_HASH = re.compile(r"[0-9a-f]{64}")


def read_checkpoints(path: str | Path) -> list[Checkpoint]:
    """The checkpoints in a file: the checkpoint file's JSON lines, or log lines carrying the
    checkpoint marker (as picked out of the log stream with grep). Blank lines are skipped;
    anything else is an error naming the line, so a damaged file is never half-read."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CheckpointFileError(f"Cannot read the checkpoint file {path}: {error}") from None
    checkpoints = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        where = f"{path} line {number}"
        _, marker, after = line.partition(CHECKPOINT_MARKER)
        body = after.strip() if marker else line
        try:
            data = json.loads(body)
            checkpoint = Checkpoint(
                count=data["count"], head=data["head"], at=str(data["at"]), source=where
            )
        except (ValueError, KeyError, TypeError):
            raise CheckpointFileError(f"{where} is not an event log checkpoint.") from None
        valid_count = isinstance(checkpoint.count, int) and not isinstance(checkpoint.count, bool)
        if not (valid_count and checkpoint.count >= 0 and _HASH.fullmatch(str(checkpoint.head))):
            raise CheckpointFileError(f"{where} is not an event log checkpoint.")
        checkpoints.append(checkpoint)
    return checkpoints
