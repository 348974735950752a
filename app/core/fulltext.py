"""Full-text search, written once for every module: SQLite FTS5 or PostgreSQL's tsvector.

Both use a configuration without stemming (FTS5 `unicode61`, PostgreSQL `simple`): an English
stemmer would mangle Welsh words, and Welsh has no stemmer in either engine. A module's
migration creates the index with `create_index_sql` and the module asks `match_condition` or
`ranked_ids`. People's words are reduced to plain word characters before they reach either
query language, so no input can be a syntax error or an injection.
"""
from __future__ import annotations

import re

from sqlalchemy import ColumnElement, text

from app.extensions import db

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8

# Accents folded away on both sides, so "ty" finds "tŷ": many people cannot type ŵ or ŷ.
# SQLite's tokenizer does this itself (remove_diacritics); PostgreSQL's index applies
# translate() with these same letters (built in and immutable, so no extension is needed).
ACCENTED = "âêîôûŵŷäëïöüẅÿáéíóúẃýàèìòùẁỳçÂÊÎÔÛŴŶÄËÏÖÜẄŸÁÉÍÓÚẂÝÀÈÌÒÙẀỲÇ"
PLAIN = "aeiouwyaeiouwyaeiouwyaeiouwyc" * 2  # capitals too: lower() leaves them in a C-locale database
_FOLD = str.maketrans(ACCENTED, PLAIN)

# Words too common to say two ideas are alike (English and Welsh).
COMMON_WORDS = frozenset("""
a an and are as at be by for from has have in into is it its more near of on or our the their this to
up we with new some all any can should would could please
y yr ac i o yn ar am at gan ei eu ein mae ym yng fy dy ni chi nhw hi fe ef hwn hon hyn pob mwy
""".split())


def fold(text: str) -> str:
    return (text or "").lower().translate(_FOLD)


def words(query: str, *, drop_common: bool = False) -> list[str]:
    """The distinct words of `query`, lower-cased and unaccented, in order, at most MAX_WORDS."""
    seen: list[str] = []
    for word in _WORD.findall(fold(query)):
        word = word.strip("_")
        if word and word not in seen and not (drop_common and word in COMMON_WORDS):
            seen.append(word)
    return seen[:MAX_WORDS]


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _fts_query(terms: list[str], any_word: bool, prefix_last: bool) -> str:
    if _is_postgres():
        parts = [f"{t}:*" if prefix_last and i == len(terms) - 1 else t for i, t in enumerate(terms)]
        return (" | " if any_word else " & ").join(parts)
    parts = ['"' + t.replace('"', '""') + '"' + ("*" if prefix_last and i == len(terms) - 1 else "")
             for i, t in enumerate(terms)]
    return (" OR " if any_word else " ").join(parts)


def match_condition(table: str, query: str, *, any_word: bool = False, prefix_last: bool = False,
                    filter_only: bool = False) -> ColumnElement[bool] | None:
    """A WHERE condition on `table` (rows matching `query`), or None when it has no words.

    `filter_only`: on SQLite, the match only filters rows found another way (an index in the
    list's order), instead of fetching every match and sorting them; worth it for common words."""
    terms = words(query)
    if not terms:
        return None
    q = _fts_query(terms, any_word, prefix_last)
    if _is_postgres():
        return text(f"{table}.search_vector @@ to_tsquery('simple', :fts_q)").bindparams(fts_q=q)
    # A unary + keeps SQLite from driving the query from the match list (see filter_only).
    plus = "+" if filter_only else ""
    return text(f"{plus}{table}.id IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :fts_q)").bindparams(
        fts_q=q)


def ranked_ids(table: str, query: str, *, condition: str = "1 = 1", limit: int = 5, any_word: bool = True,
               prefix_last: bool = True, params: dict | None = None) -> list[int]:
    """Ids of the rows that best match `query`, best first. `condition` is trusted SQL on `table`.

    Matching any word finds more, so common words ("the", "yr") are left out of it."""
    terms = words(query, drop_common=any_word)
    if not terms:
        return []
    bind = {"fts_q": _fts_query(terms, any_word, prefix_last), "fts_limit": limit, **(params or {})}
    if _is_postgres():
        sql = (f"SELECT {table}.id FROM {table} WHERE {table}.search_vector @@ to_tsquery('simple', :fts_q) "
               f"AND {condition} ORDER BY ts_rank({table}.search_vector, to_tsquery('simple', :fts_q)) DESC, "
               f"{table}.id DESC LIMIT :fts_limit")
    else:
        sql = (f"SELECT {table}.id FROM {table}_fts JOIN {table} ON {table}.id = {table}_fts.rowid "
               f"WHERE {table}_fts MATCH :fts_q AND {condition} ORDER BY bm25({table}_fts), {table}.id DESC "
               f"LIMIT :fts_limit")
    return list(db.session.scalars(text(sql), bind))


def create_index_sql(dialect: str, table: str, columns: list[str]) -> list[str]:
    """DDL for a migration: the full-text index on `columns` of `table`, kept in step by the database."""
    if dialect == "postgresql":
        document = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
        folded = f"translate(lower({document}), '{ACCENTED}', '{PLAIN}')"
        return [f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
                f"(to_tsvector('simple', {folded})) STORED",
                f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)"]
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    fts = f"{table}_fts"
    # External-content FTS5: the index stores only tokens; triggers keep it in step with the table.
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', "
        f"tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {table}_fts_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {table}_fts_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {table}_fts_update AFTER UPDATE OF {cols} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
    ]


def drop_index_sql(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP INDEX IF EXISTS ix_{table}_search_vector", f"ALTER TABLE {table} DROP COLUMN search_vector"]
    return [f"DROP TRIGGER IF EXISTS {table}_fts_{name}" for name in ("insert", "delete", "update")] + \
        [f"DROP TABLE IF EXISTS {table}_fts"]


def outside_models(_obj, name, type_, reflected, compare_to) -> bool:
    """Alembic include_object: False for the full-text index objects, which live outside the
    models (FTS5 tables, the tsvector column), so autogenerate and schema checks leave them be."""
    if type_ == "table" and reflected and compare_to is None and "_fts" in (name or ""):
        return False
    if type_ == "column" and name == "search_vector":
        return False
    if type_ == "index" and (name or "").endswith("_search_vector"):
        return False
    return True


def matches_at_least(table: str, query: str, threshold: int) -> bool:
    """Whether `query` matches at least `threshold` rows, counting no further than that."""
    terms = words(query)
    if not terms:
        return False
    if _is_postgres():
        where = f"{table}.search_vector @@ to_tsquery('simple', :fts_q)"
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT :fts_cap) AS found"
    else:
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {table}_fts WHERE {table}_fts MATCH :fts_q LIMIT :fts_cap)"
    found = db.session.scalar(text(sql), {"fts_q": _fts_query(terms, False, False), "fts_cap": threshold})
    return (found or 0) >= threshold
