"""Hot per-member queries, built by the ORM once per shape and then reused as SQL.

Every signed-in page counts the bell's unread notifications, and every topic view reads
where the member stands on the topic. Both queries carry the visibility rules (boards,
groups, moderation) as nested subqueries, and Django spends about 2–4 ms of Python
building each of them — several times what the database spends answering.

The rules depend on the member only through their id and the *shape* of the member:
the role (moderators see everything) and the employee flag (employee-only boards). So
`rows()` builds a query once per shape for a stand-in member and topic whose ids are
numbers no row has, remembers the SQL and its parameters, and for each real call puts
the real ids where the stand-ins were. The SQL is exactly what the ORM wrote; the
tests compare the answers with the ORM's for members of every shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet

from townhall.core.models import Member

# Never a primary key (they are positive), so a parameter equal to one is a stand-in.
STAND_IN_MEMBER = -917_000_001
STAND_IN_TOPIC = -917_000_002


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    alias: str


_compiled: dict[tuple[Any, ...], _Compiled] = {}


def _compile(
    build: Callable[[Member | None, int], QuerySet[Any]], member: Member | None
) -> _Compiled:
    stand_in = (
        None
        if member is None
        else Member(pk=STAND_IN_MEMBER, role=member.role, is_employee=member.is_employee)
    )
    queryset = build(stand_in, STAND_IN_TOPIC)
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return _Compiled(sql=sql, params=tuple(params), alias=queryset.db)


def rows(
    name: str,
    build: Callable[[Any, int], QuerySet[Any]],
    member: Member | None,
    topic_id: int = STAND_IN_TOPIC,
    *,
    count: bool = False,
) -> list[tuple[Any, ...]]:
    """The rows of `build(member, topic_id)` (a `values_list` queryset), as the database
    returns them (no ORM converters: booleans may come back as 0/1 on SQLite); with
    `count`, one row holding how many rows it has.

    `build` may read nothing of the member but its id, role and employee flag; `member`
    None is a visitor who is not signed in (a shape of its own)."""
    shape = (
        (name, None, None, count)
        if member is None
        else (name, member.role, member.is_employee, count)
    )
    compiled = _compiled.get(shape)
    if compiled is None:
        compiled = _compile(build, member)
        if count:
            sql = f"SELECT COUNT(*) FROM ({compiled.sql}) counted"
            compiled = _Compiled(sql=sql, params=compiled.params, alias=compiled.alias)
        _compiled[shape] = compiled
    values = {STAND_IN_TOPIC: topic_id}
    if member is not None:
        values[STAND_IN_MEMBER] = member.pk
    params = [
        values.get(param, param) if type(param) is int else param for param in compiled.params
    ]
    with connections[compiled.alias].cursor() as cursor:
        cursor.execute(compiled.sql, params)
        return list(cursor.fetchall())
