"""Registries that modules plug into. Core imports no module; modules register here at import.

A section is a callable that returns a `Section` (or None to show nothing), given the person
looking (or None when anonymous). Sections are rendered in order of `order`, then name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Section:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Entry:
    name: str
    provider: Callable[..., Any]
    order: int


class Registry:
    def __init__(self, what: str):
        self.what = what
        self._entries: dict[str, _Entry] = {}

    def register(self, name: str, provider: Callable[..., Any], order: int = 100) -> None:
        if name in self._entries and self._entries[name].provider is not provider:
            raise ValueError(f"{self.what} {name!r} is already registered")
        self._entries[name] = _Entry(name, provider, order)

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def entries(self) -> list[_Entry]:
        return sorted(self._entries.values(), key=lambda e: (e.order, e.name))

    def collect(self, *args: Any) -> list[Any]:
        """Call each provider with args; keep what is not None."""
        results = []
        for entry in self.entries():
            result = entry.provider(*args)
            if result is not None:
                results.append(result)
        return results


# Home page: what is open now, for everyone. Provider(user_or_None) -> Section | None
home_sections = Registry("home section")
# "My council" dashboard. Provider(user) -> Section | None
dashboard_sections = Registry("dashboard section")
# A ward's page: what is open in that ward. Provider(ward, user_or_None) -> Section | None
ward_sections = Registry("ward section")
# `flask demo`: Provider(council) -> None; each module adds its demo data to the demo council.
demo_loaders = Registry("demo loader")
# "Download my data": Provider(user) -> (key, JSON-serialisable data) | None
personal_data_exporters = Registry("personal data exporter")
# "Delete my account": Provider(user) -> None; erases or detaches a module's personal data.
account_erasers = Registry("account eraser")


@dataclass
class TimelineItem:
    """One opportunity for a person's timeline: something to read, answer or vote on.

    `ward_ids` empty means the whole council area. `published_at` is when it appeared (an
    alert goes out once it has); `closes_on` is the last day to take part, if there is one."""
    source: str  # the registering module's name
    object_id: int
    event: str  # what happened to it, a stable code: "new", "response", "open"...
    kind: str  # what it is, in the reader's language ("New idea", "Consultation")
    title: str
    url: str
    published_at: Any  # datetime, aware (UTC)
    category: str | None = None
    ward_ids: tuple[int, ...] = ()
    closes_on: Any = None  # date
    titles: dict[str, str] | None = None  # {"en": ..., "cy": ...} when the module has both (alerts use it)


# The personal timeline and participation alerts: what is happening in the council.
# Provider(council_id, since, now, ward_ids or None, categories or None, limit) -> list[TimelineItem]:
# items published since `since` or open at `now`; with ward_ids/categories, only the items in
# one of those wards, on one of those topics, or for the whole council area (None: every item).
timeline_sources = Registry("timeline source")


class Catalogue(dict):
    """Named things modules register once: datasets, notification kinds, jobs, followables...

    A dict, with one rule: a name cannot be taken twice by different things (re-registering
    the same object, as happens when a module is imported again, is fine)."""

    def __init__(self, what: str):
        super().__init__()
        self.what = what

    def add(self, name: str, item: Any) -> None:
        existing = self.get(name)
        if existing is not None and existing is not item:
            raise ValueError(f"{self.what} {name!r} is already registered")
        self[name] = item
