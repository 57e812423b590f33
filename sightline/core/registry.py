"""Where apps plug into the shared pages: the signed-in navigation and the home page.

Each app registers in its AppConfig.ready(); core never imports the apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    visible: Callable[[object], bool]
    order: int = 50


@dataclass(frozen=True)
class HomeItem:
    title: str
    url: str
    due: date | None = None
    meta: str = ""
    rag: str = ""  # overdue / due_soon / on_track


@dataclass
class HomeSection:
    tasks: list[HomeItem] = field(default_factory=list)
    deadlines: list[HomeItem] = field(default_factory=list)
    overdue: list[HomeItem] = field(default_factory=list)


HomeProvider = Callable[[object, date, date], HomeSection]

_nav: list[NavEntry] = []
_home: list[HomeProvider] = []


def register_nav(entry: NavEntry) -> None:
    if all(e.url_name != entry.url_name for e in _nav):
        _nav.append(entry)
        _nav.sort(key=lambda e: e.order)


def nav_entries() -> list[NavEntry]:
    return list(_nav)


def register_home(provider: HomeProvider) -> None:
    if provider not in _home:
        _home.append(provider)


def home_providers() -> list[HomeProvider]:
    return list(_home)


# Daily jobs: task objects (django_tasks) that the scheduler enqueues once per day.
_daily: dict[str, object] = {}


def register_daily(name: str, task_obj) -> None:
    _daily[name] = task_obj


def daily_jobs() -> dict[str, object]:
    return dict(_daily)
