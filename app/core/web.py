"""Request plumbing shared by every blueprint: htmx-aware rendering, pagination, headers,
hashed static URLs, and the reader's language."""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode
from pathlib import Path
from typing import Any, Sequence

from flask import Flask, Response, current_app, g, make_response, render_template, request, session
from flask_login import current_user
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import Select, func, literal_column, select

from app.extensions import db, htmx

RTL_LANGUAGES = {"ar", "he", "fa", "ur"}


def render_page(template: str, *, fragment: str | None = None, target: str | None = None,
                status: int = 200, **context: Any) -> Response:
    """Render `template`, or only `fragment` when htmx asks to swap the region `target`.

    A boosted navigation is an htmx request too, but it targets the body, so it gets the page.
    """
    wants_fragment = bool(fragment and htmx and not htmx.boosted and
                          (target is None or htmx.target == target))
    response = make_response(render_template(fragment if wants_fragment else template, **context), status)
    response.vary.add("HX-Request")
    return response


@dataclass
class Page:
    items: Sequence[Any]
    page: int
    per_page: int
    total: int
    total_capped: bool = False  # there are more than `total`: the count stopped there

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(query: Select, *, per_page: int = 20, page: int | None = None, count_limit: int | None = None) -> Page:
    """The one pagination helper: ?page=N, clamped to the pages that exist.

    A count and a page query, rather than one query with a window count: the window forces the
    database to visit every matching row, where a plain page query can stop after one page
    (measured in bench/contracts.py: 273 ms against 4 ms on 50,000 unfiltered contracts).
    With `count_limit`, counting stops there ("more than 10,000"): counting 100,000 ideas cost
    more than everything else on their list page (bench/ideas.py)."""
    if page is None:
        page = request.args.get("page", 1, type=int) or 1
    counted = query.order_by(None)
    if count_limit is not None:
        counted = counted.with_only_columns(literal_column("1")).limit(count_limit + 1)
    total = db.session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    capped = count_limit is not None and total > count_limit
    if capped:
        total = count_limit
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    page_query = query.limit(per_page).offset((page - 1) * per_page)
    # A query of one entity gives its objects; a query of several columns gives rows.
    if len(query.column_descriptions) == 1:
        items = db.session.scalars(page_query).all()
    else:
        items = db.session.execute(page_query).all()
    return Page(items=items, page=page, per_page=per_page, total=total, total_capped=capped)


class FragmentCache:
    """Rendered template fragments, memoised on everything they are made from.

    For parts of a page that are a pure function of their key: the layout's links (fixed
    addresses, the catalogue's words, the council's name) and the ideas list's filter menus (the
    wards, the chosen values). The key names every input, so an entry is never stale: a renamed
    council or ward is a new key. Bounded, oldest out first, so free text in a key (a search)
    cannot grow it without limit. Per process: nothing in it needs sharing between servers."""

    def __init__(self, size: int = 512) -> None:
        from collections import OrderedDict

        self.size = size
        self.entries: OrderedDict[tuple, str] = OrderedDict()

    def __call__(self, *key, caller):
        from markupsafe import Markup

        found = self.entries.get(key)
        if found is None:
            found = self.entries[key] = Markup(caller())
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return found


def page_query(page: int) -> str:
    """The current query string with `page` replaced; other filters are kept as they are."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    return urlencode(args + [("page", str(page))])


def select_locale() -> str:
    from flask import has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a job: emails choose their reader's language with force_locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=256)
def _file_hash(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _static_version(app: Flask, filename: str) -> str | None:
    path = Path(app.static_folder or "") / filename
    try:
        return _file_hash(str(path), path.stat().st_mtime)
    except OSError:
        return None


class _SessionInterface(SecureCookieSessionInterface):
    """Static files and the open data API never depend on the cookie; saying they do stops shared
    caches keeping them."""

    def save_session(self, app, session, response) -> None:
        super().save_session(app, session, response)
        if request.endpoint == "static" or request.blueprint == "api":
            response.vary.discard("Cookie")


def _bounded_int_converter():
    from werkzeug.routing import IntegerConverter

    class DatabaseInt(IntegerConverter):
        """`<int:id>` up to the largest id a database holds: a longer number in an address is a
        404 like any unknown id, not a database overflow (SQLite and PostgreSQL both raise)."""

        def __init__(self, map, *args, **kwargs):
            kwargs.setdefault("max", 2**63 - 1)
            super().__init__(map, *args, **kwargs)

    return DatabaseInt


def install(app: Flask) -> None:
    app.url_map.converters["int"] = _bounded_int_converter()
    app.session_interface = _SessionInterface()
    app.jinja_env.globals["page_query"] = page_query
    # `{% call cached_fragment("name", every, input) %}…{% endcall %}`
    app.jinja_env.globals["cached_fragment"] = FragmentCache()
    from app.core.idempotency import idempotency_field

    app.jinja_env.globals["idempotency_field"] = idempotency_field

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.url_defaults
    def hashed_static(endpoint: str, values: dict) -> None:
        # Content-hashed static URLs can be cached for a year: a change gets a new URL.
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = _static_version(app, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        started = g.get("request_started")
        if started is not None:
            # Server time for benchmarks and browser dev tools; says nothing about the data.
            headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint == "static" and request.args.get("v"):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = app.config["STATIC_MAX_AGE"]
            response.cache_control.immutable = True
            response.headers.pop("Expires", None)
        elif request.endpoint != "static" and request.blueprint != "api" and current_user and \
                current_user.is_authenticated:
            # Personal pages must not be kept by shared caches or the back button of a shared PC.
            response.cache_control.private = True
            response.cache_control.no_store = True
        return response


def council_base_url(council) -> str:
    """The address emailed links use: PUBLIC_BASE_URL, else the council's first host name.

    Never the request's Host header, which anyone can set: a reset link built from it could
    point at another site."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    hosts = council.host_names.split() if council is not None else []
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    return f"{scheme}://{hosts[0]}" if hosts else f"{scheme}://localhost"


def external_url(council, endpoint: str, **values: Any) -> str:
    """An absolute URL for emails, built on council_base_url; works inside and outside requests."""
    from flask import has_request_context, url_for

    base = council_base_url(council)
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context("/", base_url=base):
        return base + url_for(endpoint, **values)


def absolute_link(council, link: str | None) -> str | None:
    """A stored relative link (e.g. a notification's) as an absolute URL for an email."""
    if not link:
        return None
    if link.startswith(("http://", "https://")):
        return link
    return council_base_url(council) + link
