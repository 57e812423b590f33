"""A record's history for people to read: one describer for the events of every record.

Each app registers, from its AppConfig.ready(), how its events read:

- `register_history_labels({"partner.sign_off": Label(...), ...})`: a sentence for each event
  action, as plain text or a `Label` whose text and detail may be worked out from the event
  ("Police partner lead signed off the rapid review")
- `register_workflow_history(workflow, {"start": "Marked as on track", ...})`: each workflow
  move in the past tense; the detail says which status it moved from and to

A record's history is every event about the record and the records that belong to it (a case's
notification, rapid review, local review, agency returns and restricted record), in the order
they happened: `HistoryScope` names them, `history_events()` reads them in one query that pages
in SQL, and `describe()` turns a page of events into `HistoryRow`s, looking up the agencies and
people they name in one query each. Refusals and sign-ins are not part of a record's history.

A restricted read (opening the restricted record) is shown to everyone who sees the record's
history, but its reason only to people who may see identities; others read "reason recorded".
`history_response()` is the history page and its exports (CSV, Excel, Word and PDF) for any app.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import render

from sightline.core.models import Event
from sightline.core.paging import page_of
from sightline.core.workflow import Workflow

LATEST = 5  # events shown on the record's own page
NOT_IN_HISTORY = (Event.Kind.DENIED, Event.Kind.AUTH)
SORTS = {"at": ("id",), "-at": ("-id",)}
DEFAULT_SORT = "at"
EXPORT_COLUMNS = ["When", "Who", "What happened", "Details", "Reason or note"]
REASON_HIDDEN = "reason recorded"


# --------------------------------------------------------------------------- labels


@dataclass(frozen=True)
class Label:
    """How one event action reads. `text` and `detail` are plain text or functions of the
    `EventView`. `agencies` and `users` name the keys of `event.changes` whose new value is an
    agency's or a person's id (or a list of ids), so a page looks them all up at once.
    `identity_reason`: the event's reason is shown only to people who may see identities."""

    text: str | Callable[[EventView], str]
    detail: str | Callable[[EventView], str] = ""
    agencies: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    identity_reason: bool = False


_labels: dict[str, Label] = {}


def register_history_labels(labels: Mapping[str, str | Label]) -> None:
    for action, label in labels.items():
        _labels[action] = label if isinstance(label, Label) else Label(text=label)


def register_workflow_history(workflow: Workflow, done: Mapping[str, str | Label]) -> None:
    """Label each move of `workflow` with its past-tense phrase in `done` (the button label if
    a move has none), with the status it moved from and to as the detail; a `Label` in `done`
    says more than that."""
    states = {s.value: s.label for s in workflow.states}

    def moved(view: EventView) -> str:
        before, after = view.old(workflow.status_field), view.new(workflow.status_field)
        if before in states and after in states:
            return f"From {states[before]} to {states[after]}"
        return f"Now {states[after]}" if after in states else ""

    for t in workflow.transitions:
        given = done.get(t.name, t.label)
        _labels[f"{workflow.name}.{t.name}"] = (
            given if isinstance(given, Label) else Label(text=given, detail=moved)
        )


def status_change(workflow: Workflow, view: EventView) -> str:
    """The status a move went from and to, "From Open to Agency returns requested", for a
    label that says more besides."""
    states = {s.value: s.label for s in workflow.states}
    before, after = view.old(workflow.status_field), view.new(workflow.status_field)
    if before in states and after in states:
        return f"From {states[before]} to {states[after]}"
    return ""


def history_labels() -> dict[str, Label]:
    return dict(_labels)


def unlabelled(actions: Iterable[str]) -> list[str]:
    """The event actions in `actions` that no app has given a label."""
    return sorted({a for a in actions if a not in _labels})


def fallback_text(action: str) -> str:
    """What an event no app has labelled says: its action in words ("Agency return: submit")."""
    return action.replace("_", " ").replace(".", ": ").capitalize()


# --------------------------------------------------------------------------- describing


def _ids(value) -> list[int]:
    values = value if isinstance(value, list | tuple) else [value]
    return [int(v) for v in values if isinstance(v, int) or (isinstance(v, str) and v.isdigit())]


def _words(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_words(v) for v in value if v not in (None, ""))
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        return _when(value)
    return str(value)


def _when(value: str) -> str:
    """An ISO date or date and time from the event log, as people read it."""
    from sightline.core.templatetags.govuk import govuk_date, govuk_datetime

    try:
        if len(value) == 10:
            return govuk_date(datetime.date.fromisoformat(value))
        return govuk_datetime(datetime.datetime.fromisoformat(value))
    except ValueError:
        return value


def and_join(words: list[str]) -> str:
    """Words joined as people write them: "a", "a and b" or "a, b and c"."""
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


@dataclass
class EventView:
    """One event as a label sees it: its changes, the record it is about (when the page loaded
    it), and the names of the agencies and people it mentions."""

    event: Event
    obj: Model | None
    agency_names: Mapping[int, str]
    user_names: Mapping[int, str]

    @property
    def changes(self) -> dict:
        return self.event.changes or {}

    def _pair(self, key: str) -> list:
        pair = self.changes.get(key)
        return pair if isinstance(pair, list) and len(pair) == 2 else [None, None]

    def old(self, key: str) -> Any:
        return self._pair(key)[0]

    def new(self, key: str) -> Any:
        return self._pair(key)[1]

    def words(self, key: str) -> str:
        """The new value of `key` in words: dates as "5 March 2026", lists joined."""
        return _words(self.new(key))

    def choice(self, key: str, choices: type, *, lower: bool = True) -> str:
        value = self.new(key)
        try:
            label = str(choices(value).label)
        except ValueError:
            return _words(value)
        return label[:1].lower() + label[1:] if lower else label

    def agency(self, key: str = "agency", *, old: bool = False) -> str:
        """The name of the agency (or agencies) whose id is the new (or old) value of `key`."""
        value = self.old(key) if old else self.new(key)
        return and_join([self.agency_names.get(pk, "an agency") for pk in _ids(value)])

    def user(self, key: str, *, old: bool = False) -> str:
        value = self.old(key) if old else self.new(key)
        return and_join([self.user_names.get(pk, "someone") for pk in _ids(value)])

    def fields(self, labels: Mapping[str, str] | None = None, model: type[Model] | None = None):
        """The changed fields in words, in a stable order ("due date and owner")."""
        names = []
        for name in sorted(self.changes):
            label = (labels or {}).get(name)
            if label is None and model is not None:
                try:
                    label = str(model._meta.get_field(name).verbose_name)
                except Exception:  # noqa: BLE001 - a field since removed keeps its own name
                    label = None
            names.append(label or name.replace("_", " "))
        return and_join(sorted(set(names), key=names.index))


def changed_fields(labels: Mapping[str, str] | None = None, model: type[Model] | None = None):
    """A detail for edits: "Changed the due date and owner"."""

    def detail(view: EventView) -> str:
        named = view.fields(labels, model)
        return f"Changed the {named}" if named else ""

    return detail


@dataclass(frozen=True)
class HistoryRow:
    event: Event
    at: datetime.datetime
    who: str
    what: str
    detail: str
    reason: str

    def cells(self) -> list:
        return [self.at, self.who, self.what, self.detail, self.reason]


def _actor_name(event: Event) -> str:
    if event.actor_id and event.actor is not None:
        return event.actor.full_name or event.actor.email
    return event.actor_label or "The system"


def _lookups(events: list[Event]) -> tuple[dict[int, str], dict[int, str]]:
    from sightline.accounts.models import Agency, User

    agency_ids: set[int] = set()
    user_ids: set[int] = set()
    for event in events:
        label = _labels.get(event.action)
        if label is None:
            continue
        changes = event.changes or {}
        for keys, ids in ((label.agencies, agency_ids), (label.users, user_ids)):
            for key in keys:
                pair = changes.get(key)
                if isinstance(pair, list) and len(pair) == 2:
                    ids.update(_ids(pair[0]) + _ids(pair[1]))
    agencies = (
        {a.pk: a.name for a in Agency.objects.filter(pk__in=agency_ids).only("pk", "name")}
        if agency_ids
        else {}
    )
    users = (
        {
            u.pk: u.full_name or u.email
            for u in User.objects.filter(pk__in=user_ids).only("pk", "full_name", "email")
        }
        if user_ids
        else {}
    )
    return agencies, users


Redact = Callable[[str], str]


def describe(
    events: Iterable[Event],
    *,
    sees_identities: bool = False,
    objects: Mapping[tuple[str, str], Model] | None = None,
    redact: Redact | None = None,
) -> list[HistoryRow]:
    """Rows for people to read, in the order given. `objects` are the records the events are
    about, keyed by (object type, id), for labels that name them (an agency's return).
    `redact`, when given, masks what a reader may not see in each reason (a publication plan's
    reasons, for those who never see identities, through the publication guard)."""
    events = list(events)
    agencies, users = _lookups(events)
    rows = []
    for event in events:
        label = _labels.get(event.action) or Label(text=fallback_text(event.action))
        view = EventView(
            event=event,
            obj=(objects or {}).get((event.object_type, event.object_id)),
            agency_names=agencies,
            user_names=users,
        )
        what = label.text(view) if callable(label.text) else label.text
        detail = label.detail(view) if callable(label.detail) else label.detail
        reason = event.reason
        if reason and label.identity_reason and not sees_identities:
            what, reason = f"{what} ({REASON_HIDDEN})", ""
        elif reason and redact is not None:
            reason = redact(reason)
        rows.append(
            HistoryRow(
                event=event,
                at=event.at,
                who=_actor_name(event),
                what=what,
                detail=detail,
                reason=reason,
            )
        )
    return rows


# --------------------------------------------------------------------------- reading


@dataclass
class HistoryScope:
    """The records whose events make up one record's history: (object type, ids) pairs, and
    the records themselves where labels need them."""

    parts: list[tuple[str, list[str]]] = field(default_factory=list)
    objects: dict[tuple[str, str], Model] = field(default_factory=dict)

    def add(self, obj: Model | None, *, keep: bool = False) -> HistoryScope:
        if obj is not None:
            self.add_ids(obj._meta.label_lower, [obj.pk])
            if keep:
                self.objects[(obj._meta.label_lower, str(obj.pk))] = obj
        return self

    def add_ids(self, object_type: str, ids: Iterable) -> HistoryScope:
        ids = [str(i) for i in ids]
        if ids:
            self.parts.append((object_type, ids))
        return self

    def add_all(self, objs: Iterable[Model], *, keep: bool = False) -> HistoryScope:
        for obj in objs:
            self.add(obj, keep=keep)
        return self


def history_events(scope: HistoryScope, *, sort: str = DEFAULT_SORT) -> QuerySet[Event]:
    """Every event about the records in `scope`, oldest first (or newest first for "-at")."""
    if not scope.parts:
        return Event.objects.none()
    merged: dict[str, list[str]] = {}
    for object_type, ids in scope.parts:
        merged.setdefault(object_type, []).extend(ids)
    where = Q()
    for object_type, ids in merged.items():
        where |= Q(object_type=object_type, object_id__in=sorted(set(ids)))
    return (
        Event.objects.filter(where)
        .exclude(kind__in=NOT_IN_HISTORY)
        .select_related("actor")
        .order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))
    )


def latest_history(
    scope: HistoryScope, *, sees_identities: bool, count: int = LATEST, redact: Redact | None = None
) -> dict:
    """The newest few events for the record's own page, and how many there are in all."""
    events = history_events(scope, sort="-at")
    return {
        "rows": describe(
            events[:count], sees_identities=sees_identities, objects=scope.objects, redact=redact
        ),
        "total": events.count(),
    }


# --------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class HistoryPage:
    """What the history page of one record shows."""

    title: str  # "SI-2026-0001 Child A"
    kind: str  # "case", for "Every change to this case"
    back_url: str
    back_text: str
    file_stem: str  # "SI-2026-0001-history"
    caption: str = ""


def history_response(
    request,
    *,
    scope: HistoryScope,
    page: HistoryPage,
    record: Model,
    sees_identities: bool,
    redact: Redact | None = None,
):
    """The history page of a record, a page of events at a time, or its export
    (?format=csv|xlsx|docx|pdf) with every event. The record was fetched through the app's
    access.py; the export is recorded in the event log like every list's."""
    from sightline.core.exports import EXPORT_FORMATS, Table, export_response

    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort not in SORTS:
        raise Http404("Unknown sort")
    events = history_events(scope, sort=sort)
    if "format" in request.GET:
        fmt = request.GET["format"]
        if fmt not in EXPORT_FORMATS:
            raise Http404("Unknown export format")
        rows = describe(
            events, sees_identities=sees_identities, objects=scope.objects, redact=redact
        )
        table = Table(
            title=f"{page.title}: history",
            columns=EXPORT_COLUMNS,
            rows=[row.cells() for row in rows],
            subtitle=f"Every change to this {page.kind}, {'newest' if sort == '-at' else 'oldest'}"
            " first",
        )
        # export_response records the download (who, which list, how many rows).
        return export_response(request, table, fmt, page.file_stem)
    page_obj = page_of(request, events)
    return render(
        request,
        "core/history.html",
        {
            "history_page": page,
            "page_obj": page_obj,
            "rows": describe(
                page_obj.object_list,
                sees_identities=sees_identities,
                objects=scope.objects,
                redact=redact,
            ),
            "default_sort": DEFAULT_SORT,
            "caption": page.caption or f"Every change to this {page.kind}",
        },
    )
