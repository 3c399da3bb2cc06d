"""Querysets compiled to SQL once per process, then run with fresh values.

Turning a queryset into SQL is most of what Django spends on a simple query: on a page of
stories it took longer than PostgreSQL took to answer. The readers' pages ask the same few
questions all day with different values (now, a section, a slug), so each question is
built once with stand-in values, compiled, and afterwards only its parameters change.

    rows = compiled.rows(
        lambda p: Article.objects.published(at=p.now)
        .filter(primary_section_id=p.section)
        .values_list("headline", "slug")[offset : offset + 21],
        now=timezone.now(),
        section=section.pk,
    )

A compiled query is found again by its builder: the function's code and whatever it
captured (`offset` above, and the functions it calls through its closure), so two builders
never share one, and a captured value that changes the SQL gives another compiled query.
A builder may capture only constants (numbers, strings, tuples of them), classes and other
functions; anything else (a list, a model object, a date) is refused, since it would be
read once: pass it as a value. A method is found by its class, so what differs between
its objects must come in as a value too.

The builder must be a values_list() queryset, and it must use every value it is given
(as a filter value, not inside Python logic): the stand-ins are found again among the
compiled parameters, and a builder that drops or transforms one is refused with an error
the first time it runs, which the tests exercise on SQLite and PostgreSQL. Lists of ids
are allowed; their length is part of the key. A moment in the SQL that is not one of the
values is refused too: `published()` without `at=` would keep the moment of compiling.

Which database answers is asked of the database routers (`router.db_for_read` with the
builder's model) on every call, as a queryset would; the rows say which one (`Rows.db`).
"""

import datetime
import itertools
import types
from collections.abc import Callable
from types import SimpleNamespace

from django.db import connections, router
from django.db.models import QuerySet

_markers = itertools.count(1)
MAX_SHAPES = 500  # compiled queries kept per connection
# The model each builder reads (which decides the database), per process.
_models: dict[tuple, type] = {}


class CompileError(RuntimeError):
    """A builder's values could not be traced through the compiled SQL."""


class Rows(list):
    """A compiled query's rows, and the database alias they were read from (`db`)."""

    def __init__(self, found, db: str):
        super().__init__(found)
        self.db = db


class _Compiled:
    def __init__(self, queryset, compiler, sql: str, params, slots: list[tuple[int, str, int]]):
        self.flat = queryset._iterable_class.__name__ == "FlatValuesListIterable"
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = slots
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(fields)


def rows(build: Callable[[SimpleNamespace], QuerySet], **values) -> Rows:
    """The rows of build(values) (tuples, or values if flat), compiled once per builder."""
    key = (_identity(build), *((name, _kind(value)) for name, value in values.items()))
    model = _models.get(key)
    if model is None:
        if len(_models) >= MAX_SHAPES:
            _models.clear()
        stand_ins = {name: _stand_in(value) for name, value in values.items()}
        model = _models[key] = _build(build, stand_ins).model
    using = router.db_for_read(model)
    connection = connections[using]
    # Kept on the connection object (one per thread), so converters belong to it.
    memo = connection.__dict__.setdefault("_newsroom_compiled", {})
    compiled = memo.get(key)
    if compiled is None:
        if len(memo) >= MAX_SHAPES:
            # Keys include page offsets, which a visitor chooses: never let them pile up.
            memo.clear()
        compiled = memo[key] = _compile(build, values, connection, using)
    params = list(compiled.params)
    prepared = {name: _prepared(value, connection) for name, value in values.items()}
    for position, name, index in compiled.slots:
        params[position] = _like(compiled.params[position], prepared[name][index])
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        found = cursor.fetchall()
    if compiled.converters:
        found = list(compiled.compiler.apply_converters(found, compiled.converters))
    return Rows([row[0] for row in found] if compiled.flat else found, using)


# What a builder may capture as it is: values whose equality says the SQL is the same.
_CONSTANTS = (type(None), bool, int, float, str, bytes, type)


def _identity(build) -> tuple:
    """What decides a builder's SQL: its code, and what it captured (closure and default
    arguments), followed into the functions it captured."""
    if isinstance(build, types.MethodType):
        owner = build.__self__
        return (owner if isinstance(owner, type) else type(owner), _identity(build.__func__))
    if not isinstance(build, types.FunctionType):
        raise CompileError(f"A builder must be a function or a method, not {build!r}.")
    code = build.__code__
    captured = [*zip(code.co_freevars, build.__closure__ or (), strict=True)]
    identity = [build.__module__, code]
    for name, cell in captured:
        try:
            value = cell.cell_contents
        except ValueError:  # a name the enclosing function has not bound (yet)
            raise CompileError(f"The builder captures {name!r} before it is set.") from None
        identity.append(_captured(name, value))
    for value in build.__defaults__ or ():
        identity.append(_captured("a default argument", value))
    for name, value in (build.__kwdefaults__ or {}).items():
        identity.append((name, _captured(name, value)))
    return tuple(identity)


def _captured(name: str, value):
    if isinstance(value, _CONSTANTS):
        return value
    if isinstance(value, tuple | frozenset):
        return type(value)(_captured(name, item) for item in value)
    if isinstance(value, types.FunctionType | types.MethodType):
        return _identity(value)
    raise CompileError(
        f"The builder captures {name!r}, a {type(value).__name__}: a compiled query keeps "
        "what it captured when it was first built. Pass it as a value (p.…) or as a tuple."
    )


def _kind(value):
    if isinstance(value, list | tuple):
        return ("list", len(value))
    return type(value).__name__


def _stand_in(value):
    """A value of the same type and shape that no real query would use."""
    if isinstance(value, list | tuple):
        return [_stand_in(item) for item in value]
    number = next(_markers)
    if isinstance(value, bool):
        raise CompileError("True/False cannot be told apart in SQL; let the builder capture it.")
    if isinstance(value, int):
        # Within every integer column's range (Django refuses a value outside a small or
        # positive column's range before any SQL is written), and rare as a constant.
        return 30_000 + number % 2_000
    if isinstance(value, str):
        return f"\x1fstand-in-{number}\x1f"
    if isinstance(value, datetime.datetime):
        return datetime.datetime(1901, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
            seconds=number, microseconds=number
        )
    raise CompileError(f"Cannot stand in for a {type(value).__name__}.")


def _prepared(value, connection) -> list:
    """What Django passes to the database for this value (lists: one per item)."""
    if isinstance(value, list | tuple):
        return [item for part in value for item in _prepared(part, connection)]
    if isinstance(value, datetime.datetime):
        return [connection.ops.adapt_datetimefield_value(value)]
    return [value]


def _build(build, stand_ins: dict) -> QuerySet:
    queryset = build(SimpleNamespace(**stand_ins))
    if queryset._iterable_class.__name__ not in {"ValuesListIterable", "FlatValuesListIterable"}:
        raise CompileError("Compiled queries must be values_list() querysets.")
    return queryset


def _compile(build, values: dict, connection, using) -> _Compiled:
    stand_ins = {name: _stand_in(value) for name, value in values.items()}
    queryset = _build(build, stand_ins)
    compiler = queryset.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    params = list(params)
    slots = []  # (position in params, value's name, index in its prepared form)
    for name, stand_in in stand_ins.items():
        for index, wanted in enumerate(_prepared(stand_in, connection)):
            matches = [i for i, param in enumerate(params) if _same(param, wanted)]
            if not matches:
                raise CompileError(f"The value {name!r} does not reach the SQL unchanged.")
            slots += [(position, name, index) for position in matches]
    filled = {position for position, _name, _index in slots}
    for position, param in enumerate(params):
        if position not in filled and _is_moment(param, connection):
            # Most likely timezone.now() called while building: every later run would
            # ask about that same moment, and stories published since would never show.
            raise CompileError(
                f"A moment in the SQL ({param}) is not one of the values; pass it as one "
                "(published(at=p.now) with now=timezone.now())."
            )
    return _Compiled(queryset, compiler, sql, params, slots)


def _is_moment(param, connection) -> bool:
    """Whether a parameter is a date or a date and time, as the database receives them
    (SQLite receives text written by adapt_datetimefield_value/adapt_datefield_value)."""
    if isinstance(param, datetime.date):  # datetimes included
        return True
    if not isinstance(param, str):
        return False
    try:
        moment = datetime.datetime.fromisoformat(param)
    except ValueError:
        return False
    return param in (
        connection.ops.adapt_datetimefield_value(moment),
        connection.ops.adapt_datefield_value(moment.date()),
    )


def _same(param, wanted) -> bool:
    if _is_integer(wanted):
        # psycopg 3 receives integers wrapped in their column's size (Int2, Int4, Int8).
        return _is_integer(param) and int(param) == wanted
    return type(param) is type(wanted) and param == wanted


def _like(param, value):
    """`value` in the form Django gave the stand-in it replaces (an integer keeps its
    wrapper, so PostgreSQL compares it as the column's own type)."""
    if _is_integer(param) and type(param) is not int:
        return type(param)(value)
    return value


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def first(model, build: Callable[[SimpleNamespace], QuerySet], **values):
    """The first object of build(values) with all its columns, or None."""
    names = tuple(field.attname for field in model._meta.concrete_fields)
    found = rows(lambda p: build(p).values_list(*names)[:1], **values)
    return model.from_db(found.db, names, found[0]) if found else None
