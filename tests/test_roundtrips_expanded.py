"""facilitator/live/roundtrips.py renders a read's lists once per length: for every statement the
batches send, with lists of any length and any values, the SQL and parameters are SQLAlchemy's own."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Integer, bindparam, column, select, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Executable

from facilitator.live import roundtrips, statements

STATEMENTS = {
    name: value
    for name, value in vars(statements).items()
    if name.isupper() and isinstance(value, Executable) and hasattr(value, "compile")
}
DIALECTS = [postgresql.psycopg.dialect(), sqlite.dialect()]
VALUES = st.one_of(st.integers(-5, 10**6), st.text(max_size=8), st.none())


def required(statement: Any, dialect: Any) -> tuple[list[str], list[str]]:
    """The names a caller gives values for: (scalars, lists)."""
    compiled = statement.compile(dialect=dialect)
    names = [b for b in compiled.binds.values() if b.required or b.value is None]
    prefetch = [c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
    scalars = sorted({b.key for b in names if not b.expanding} | set(prefetch))
    lists = sorted({b.key for b in names if b.expanding})
    return scalars, lists


def sqlalchemys(statement: Any, dialect: Any, values: dict) -> tuple[str, dict]:
    state = statement.compile(dialect=dialect).construct_expanded_state(dict(values))
    return state.statement, dict(state.parameters)


def test_the_batches_statements_are_all_here():
    assert {"TOKENS_AND_BUDGETS", "PHASE_AND_TABLES", "STORED_OPS"} <= set(STATEMENTS)
    lists = {name for name, s in STATEMENTS.items() if required(s, DIALECTS[0])[1]}
    assert len(lists) >= 5, lists  # statements with lists (expanding parameters) among them


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
@pytest.mark.parametrize("name", sorted(STATEMENTS))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_each_statement_is_rendered_as_sqlalchemy_renders_it(name, dialect, data):
    statement = STATEMENTS[name]
    conn = SimpleNamespace(dialect=dialect)
    scalars, lists = required(statement, dialect)
    lengths = {key: data.draw(st.integers(0, 4), label=key) for key in lists}
    for _ in range(3):  # rendered the first time, from what was kept the next ones
        values: dict[str, Any] = {key: data.draw(VALUES) for key in scalars}
        values |= {key: data.draw(st.lists(VALUES, min_size=n, max_size=n)) for key, n in lengths.items()}
        assert roundtrips._expanded(conn, statement, values) == sqlalchemys(statement, dialect, values)


def test_a_statements_own_constant_is_kept_and_a_new_length_is_rendered_anew():
    things = table("things", column("id"), column("kind"))
    statement = select(things.c.id).where(
        things.c.id.in_(bindparam("ids", expanding=True)), things.c.kind == bindparam("kind", value="x")
    )
    conn = SimpleNamespace(dialect=DIALECTS[0])
    sql, params = roundtrips._expanded(conn, statement, {"ids": [1, 2]})
    assert (sql, params) == sqlalchemys(statement, DIALECTS[0], {"ids": [1, 2]})
    assert params == {"ids_1": 1, "ids_2": 2, "kind": "x"}
    assert roundtrips._expanded(conn, statement, {"ids": [7, 8]})[1] == {"ids_1": 7, "ids_2": 8, "kind": "x"}
    three = roundtrips._expanded(conn, statement, {"ids": [3, 4, 5]})
    assert three == sqlalchemys(statement, DIALECTS[0], {"ids": [3, 4, 5]})
    assert roundtrips._expanded(conn, statement, {"ids": [], "kind": "y"}) == sqlalchemys(
        statement, DIALECTS[0], {"ids": [], "kind": "y"}
    )


def test_a_value_sqlalchemy_renders_into_the_sql_is_rendered_each_time():
    things = table("things", column("id", Integer))
    statement = select(things.c.id).where(
        things.c.id.in_(bindparam("ids", expanding=True, literal_execute=True))
    )
    conn = SimpleNamespace(dialect=DIALECTS[0])
    for ids in ([1, 2], [3, 4]):
        assert roundtrips._expanded(conn, statement, {"ids": ids}) == sqlalchemys(
            statement, DIALECTS[0], {"ids": ids}
        )


def test_a_default_sqlalchemy_would_fill_in_must_be_given():
    conn = SimpleNamespace(dialect=DIALECTS[0])
    with pytest.raises(ValueError, match="updated_at"):
        roundtrips._expanded(conn, statements.SET_SEQ, {"meeting": 1, "last": 1})


def test_what_is_kept_has_a_bound(monkeypatch):
    monkeypatch.setattr(roundtrips, "EXPANSIONS_KEPT", 3)
    monkeypatch.setattr(roundtrips, "_expansions", {})
    conn = SimpleNamespace(dialect=DIALECTS[0])
    for n in range(10):
        ids = list(range(n))
        assert roundtrips._expanded(conn, statements.BUDGETS, {"ids": ids}) == sqlalchemys(
            statements.BUDGETS, DIALECTS[0], {"ids": ids}
        )
        assert len(roundtrips._expansions) <= 3
