"""The tables of counts kept beside ``questions``: what ``stats`` and the text filters read.

``filter_values`` (each folded ministry, author and group value and how many
questions have it), ``stats_tallies`` (questions counted per grouping, chamber,
legislature, status, delay and "answered within two months") and
``stats_totals`` (the same summed over chambers and legislatures) are kept by
triggers on ``questions``: exact after any insert, update or delete, and the same
rows whatever the order the questions came in. A bulk write drops the triggers
inside its transaction and counts its rows in a few statements before committing
(:class:`BulkTallies`): the same rows for a fraction of the cost.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from qarchive.index.rows import TEXT_FILTERS

__all__ = [
    "COUNT_TABLES_SQL",
    "TALLY_COLUMNS",
    "TALLY_GROUPINGS",
    "TOTAL_COLUMNS",
    "UNKNOWN",
    "BulkTallies",
    "tally_value",
    "within_two_months_sql",
]

# What ``stats --by`` groups on: (key, name shown, reference shown) as SQL over a
# questions row ``{r}``. Authors are keyed by reference, not name (homonyms exist).
TALLY_GROUPINGS: dict[str, tuple[str, str, str]] = {
    "all": ("'all'", "'all'", "NULL"),
    "ministry": ("{r}.ministry_responding", "{r}.ministry_responding", "NULL"),
    # By the AN's reference where there is one (its names are added up under it), else
    # by name; stats shows the reference's latest name.
    "ministry-ref": (
        "COALESCE({r}.ministry_ref, {r}.ministry_responding)",
        "{r}.ministry_responding",
        "{r}.ministry_ref",
    ),
    "group": (
        "COALESCE({r}.group_short, {r}.group_full)",
        "COALESCE({r}.group_short, {r}.group_full)",
        "NULL",
    ),
    "author": ("COALESCE({r}.author_ref, {r}.author_name)", "{r}.author_name", "{r}.author_ref"),
}


def within_two_months_sql(r: str) -> str:
    """SQL: 1 when the questions row ``r`` was answered within two calendar months, else 0.

    Publication + 2 months is clamped to the month's end like
    :func:`qarchive.model.question.add_months` (SQLite's ``date(d, '+2 months')`` rolls
    31 December over to 3 March). Two calendar months are 59 to 62 days, so the
    date arithmetic is needed only for delays in that range.
    """
    two_months = (
        f"min(date({r}.published, '+2 months'), "
        f"date({r}.published, 'start of month', '+3 months', '-1 day'))"
    )
    return (
        f"CASE WHEN {r}.status <> 'answered' OR {r}.answer_delay_days IS NULL THEN 0 "
        f"WHEN {r}.answer_delay_days <= 58 THEN 1 WHEN {r}.answer_delay_days > 62 THEN 0 "
        f"ELSE {r}.answered <= {two_months} END"
    )


# A tally row is identified by these columns, its primary key: in this order,
# ``stats`` reads one grouping's rows in the order it adds them up, with no sort.
# A key column cannot be NULL, so an unknown name, reference or delay is kept as
# an empty blob, which never equals a text or a number (see :func:`tally_value`).
TALLY_COLUMNS = (
    "grouping",
    "key",
    "name",
    "ref",
    "status",
    "delay",
    "within",
    "chamber",
    "legislature",
)
# stats_totals: the tallies without chamber and legislature, summed over them.
TOTAL_COLUMNS = TALLY_COLUMNS[:-2]
_NULLABLE = frozenset({"key", "name", "ref", "delay"})
UNKNOWN = b""  # NULL, in a tally's key columns


def tally_value(column: str, value: str) -> str:
    """SQL: what ``stats_tallies.column`` holds for the SQL value ``value``."""
    return f"ifnull({value}, x'')" if column in _NULLABLE else value


def _count_triggers(
    table: str, columns: tuple[str, ...], keys: Callable[[str], list[list[str]]], watched: str
) -> dict[str, str]:
    """Triggers (name: SQL) that keep ``table`` a count of questions (column ``questions``) per key.

    ``keys(r)`` gives, as SQL over a questions row ``r``, the keys (values of
    ``columns``) that row counts under; a key whose count falls to 0 is deleted,
    so the table is the same whatever order the rows came in. An update
    recounts only when a ``watched`` column changed.
    """

    def add(r: str) -> str:
        rows = " UNION ALL ".join(f"SELECT {', '.join(key)}, 1" for key in keys(r))
        return (
            f"INSERT INTO {table} ({', '.join(columns)}, questions) SELECT * FROM ({rows}) "
            f"WHERE true ON CONFLICT ({', '.join(columns)}) DO UPDATE SET questions = questions + 1;"
        )

    def remove(r: str) -> str:
        statements = []
        for key in keys(r):
            match = " AND ".join(f"{c} = {v}" for c, v in zip(columns, key, strict=True))
            statements.append(f"UPDATE {table} SET questions = questions - 1 WHERE {match};")
            statements.append(f"DELETE FROM {table} WHERE {match} AND questions = 0;")
        return " ".join(statements)

    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in watched.split())
    return {
        f"{table}_insert": f"CREATE TRIGGER {table}_insert AFTER INSERT ON questions "
        f"BEGIN {add('NEW')} END",
        f"{table}_delete": f"CREATE TRIGGER {table}_delete AFTER DELETE ON questions "
        f"BEGIN {remove('OLD')} END",
        f"{table}_update": f"CREATE TRIGGER {table}_update AFTER UPDATE ON questions "
        f"WHEN {changed}\nBEGIN {remove('OLD')} {add('NEW')} END",
    }


def _bulk_count(
    table: str, columns: tuple[str, ...], keys: Callable[[str], list[list[str]]], sign: str
) -> str:
    """SQL: add (``sign`` "+") or take away ("-") the rows of ``{source}`` from ``table``.

    What the triggers of :func:`_count_triggers` do row by row, for many rows in one
    statement: the keys of every row, counted by key, added to the counts.
    """
    rows = " UNION ALL ".join(f"SELECT {', '.join(key)} FROM {{source}}" for key in keys("r"))
    positions = ", ".join(str(position) for position in range(1, len(columns) + 1))
    return (
        f"INSERT INTO {table} ({', '.join(columns)}, questions) "
        f"SELECT *, {sign}count(*) FROM ({rows}) WHERE true GROUP BY {positions} "
        f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET questions = questions + "
        "excluded.questions"
    )


def _tally_keys(r: str) -> list[list[str]]:
    # One key per grouping: the tallies a questions row ``r`` counts in.
    return [
        [
            tally_value(column, value)
            for column, value in zip(
                TALLY_COLUMNS,
                (
                    f"'{grouping}'",
                    key.format(r=r),
                    name.format(r=r),
                    ref.format(r=r),
                    f"{r}.status",
                    f"{r}.answer_delay_days",
                    within_two_months_sql(r),
                    f"{r}.chamber",
                    f"{r}.legislature",
                ),
                strict=True,
            )
        ]
        for grouping, (key, name, ref) in TALLY_GROUPINGS.items()
    ]


def _total_keys(r: str) -> list[list[str]]:
    return [key[: len(TOTAL_COLUMNS)] for key in _tally_keys(r)]


def _filter_keys(r: str) -> list[list[str]]:
    return [[f"'{name}'", f"ifnull({r}.{column}, '')"] for name, column in TEXT_FILTERS.items()]


# The tables of counts kept by triggers: (key columns, keys of a row, the
# questions columns whose change moves a row to other keys).
_STATS_COLUMNS = (
    "status answer_delay_days answered published ministry_responding ministry_ref "
    "group_short group_full author_ref author_name"
)
_COUNTED: dict[str, tuple[tuple[str, ...], Callable[[str], list[list[str]]], str]] = {
    "stats_tallies": (TALLY_COLUMNS, _tally_keys, f"chamber legislature {_STATS_COLUMNS}"),
    "stats_totals": (TOTAL_COLUMNS, _total_keys, _STATS_COLUMNS),
    "filter_values": (("filter", "folded"), _filter_keys, " ".join(TEXT_FILTERS.values())),
}
_TABLE_TRIGGERS: dict[str, dict[str, str]] = {
    table: _count_triggers(table, *counted) for table, counted in _COUNTED.items()
}
_TRIGGER_SQL: dict[str, str] = {
    name: sql for triggers in _TABLE_TRIGGERS.values() for name, sql in triggers.items()
}
_TRIGGERS = "".join(f"\n{sql};" for sql in _TRIGGER_SQL.values()) + "\n"
# The same counts, kept for many rows at once (see BulkTallies).
_BULK_COUNTS = {
    sign: [
        _bulk_count(table, columns, keys, sign) for table, (columns, keys, _) in _COUNTED.items()
    ]
    for sign in "+-"
}


# The key columns' types in the tables of counts (untyped: text, number or UNKNOWN).
_TALLY_TYPES = {
    "grouping": "TEXT",
    "status": "TEXT",
    "within": "INTEGER",
    "chamber": "TEXT",
    "legislature": "INTEGER",
}


def _count_table(name: str, columns: tuple[str, ...]) -> str:
    """SQL: a table of counts of questions keyed by ``columns`` (stats_tallies, stats_totals)."""
    keys = "".join(
        f"\n    {column} {_TALLY_TYPES[column] + ' ' if column in _TALLY_TYPES else ''}NOT NULL,"
        for column in columns
    )
    return (
        f"CREATE TABLE {name} ({keys}\n    questions INTEGER NOT NULL,\n"
        f"    PRIMARY KEY ({', '.join(columns)})\n) WITHOUT ROWID;"
    )


# The tables of counts and their triggers, as the index's schema creates them.
COUNT_TABLES_SQL = f"""CREATE TABLE filter_values (
    filter TEXT NOT NULL,
    folded TEXT NOT NULL,
    questions INTEGER NOT NULL,
    PRIMARY KEY (filter, folded)
) WITHOUT ROWID;
{_count_table("stats_tallies", TALLY_COLUMNS)}
{_count_table("stats_totals", TOTAL_COLUMNS)}
{_TRIGGERS}
"""


class BulkTallies:
    """The tables of counts (``stats_tallies``...) kept for many rows at once (a bulk write).

    The triggers that keep them cost more than the row and its full text together
    (bench/README.md, import.py). :meth:`begin` drops them inside the open transaction;
    :func:`upsert_entry` then notes the rows it writes (and copies a row it is about
    to replace), and :meth:`finish`, before the commit, counts those rows by key in
    a few statements and re-creates the triggers. Every commit therefore holds the
    triggers and exact counts, the same rows as the triggers would give; a crash
    before it rolls the whole transaction back.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._written: set[int] = set()
        self._replaced = False
        self._active = False

    def begin(self) -> None:
        """Open a transaction if none is open, and drop the triggers in it."""
        if self._active:
            return
        connection = self._connection
        if not connection.in_transaction:
            connection.execute("BEGIN")
        for name in _TRIGGER_SQL:
            connection.execute(f"DROP TRIGGER IF EXISTS {name}")
        connection.execute("CREATE TEMP TABLE IF NOT EXISTS bulk_written (id INTEGER PRIMARY KEY)")
        connection.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bulk_replaced AS SELECT * FROM questions WHERE 0"
        )
        self._active = True

    def replacing(self, rowid: int) -> None:
        """Note a row about to be replaced: its old values leave the counts."""
        if rowid not in self._written:  # counted at finish, not before: nothing to take away
            self._connection.execute(
                "INSERT INTO temp.bulk_replaced SELECT * FROM questions WHERE rowid = ?", (rowid,)
            )
            self._replaced = True

    def written(self, rowid: int) -> None:
        """Note a row written (inserted or replaced): its values enter the counts."""
        self._written.add(rowid)

    def finish(self) -> None:
        """Count the rows noted and re-create the triggers; the caller then commits."""
        if not self._active:
            return
        connection = self._connection
        connection.executemany(
            "INSERT INTO temp.bulk_written (id) VALUES (?)", ((rowid,) for rowid in self._written)
        )
        added = "questions AS r WHERE r.rowid IN (SELECT id FROM temp.bulk_written)"
        for sql in _BULK_COUNTS["+"]:
            connection.execute(sql.format(source=added))
        if self._replaced:
            for sql in _BULK_COUNTS["-"]:
                connection.execute(sql.format(source="temp.bulk_replaced AS r"))
            for table in _COUNTED:
                connection.execute(f"DELETE FROM {table} WHERE questions = 0")
        connection.execute("DELETE FROM temp.bulk_written")
        connection.execute("DELETE FROM temp.bulk_replaced")
        for sql in _TRIGGER_SQL.values():
            connection.execute(sql)
        self._written.clear()
        self._replaced = self._active = False
