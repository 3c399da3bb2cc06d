"""Querysets compiled to SQL once per process, then run with fresh values.

Turning a queryset into SQL is most of what Django spends on a simple query: on a page of
stories it took longer than PostgreSQL took to answer. The readers' pages ask the same few
questions all day with different values (now, a section, a slug), so each question is
built once with stand-in values, compiled, and afterwards only its parameters change.

    rows = compiled.rows(
        ("section-page", offset),                    # what makes the SQL text differ
        lambda p: Article.objects.published(at=p.now)
        .filter(primary_section_id=p.section)
        .values_list("headline", "slug")[offset : offset + 21],
        now=timezone.now(),
        section=section.pk,
    )

The builder must be a values_list() queryset, and it must use every value it is given
(as a filter value, not inside Python logic): the stand-ins are found again among the
compiled parameters, and a builder that drops or transforms one is refused with an error
the first time it runs, which the tests exercise on SQLite and PostgreSQL. Lists of ids
are allowed; their length is part of the shape.
"""

import datetime
import itertools
from collections.abc import Callable
from types import SimpleNamespace

from django.db import connections
from django.db.models import QuerySet
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

_markers = itertools.count(1)
MAX_SHAPES = 500  # compiled queries kept per connection


class CompileError(RuntimeError):
    """A builder's values could not be traced through the compiled SQL."""


class _Compiled:
    def __init__(self, queryset, compiler, sql: str, params, slots: list[tuple[int, str, int]]):
        self.flat = queryset._iterable_class.__name__ == "FlatValuesListIterable"
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = slots
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(fields)


def rows(shape: tuple, build: Callable[[SimpleNamespace], QuerySet], *, using="default", **values):
    """The rows of build(values) (tuples, or values if flat), compiled once per shape."""
    connection = connections[using]
    # Kept on the connection object (one per thread), so converters belong to it.
    memo = connection.__dict__.setdefault("_newsroom_compiled", {})
    key = (shape, *((name, _kind(value)) for name, value in values.items()))
    compiled = memo.get(key)
    if compiled is None:
        if len(memo) >= MAX_SHAPES:
            # Shapes include page offsets, which a visitor chooses: never let them pile up.
            memo.clear()
        compiled = memo[key] = _compile(build, values, connection, using)
    params = list(compiled.params)
    prepared = {name: _prepared(value, connection) for name, value in values.items()}
    for position, name, index in compiled.slots:
        params[position] = prepared[name][index]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        found = cursor.fetchall()
    if compiled.converters:
        found = list(compiled.compiler.apply_converters(found, compiled.converters))
    return [row[0] for row in found] if compiled.flat else found


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
        raise CompileError("True/False cannot be told apart in SQL; make it part of the shape.")
    if isinstance(value, int):
        return -1_000_000_000 - number
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


def _compile(build, values: dict, connection, using) -> _Compiled:
    stand_ins = {name: _stand_in(value) for name, value in values.items()}
    queryset = build(SimpleNamespace(**stand_ins))
    if queryset._iterable_class.__name__ not in {"ValuesListIterable", "FlatValuesListIterable"}:
        raise CompileError("Compiled queries must be values_list() querysets.")
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
    return _Compiled(queryset, compiler, sql, params, slots)


def _same(param, wanted) -> bool:
    return type(param) is type(wanted) and param == wanted


def first(shape: tuple, model, build: Callable[[SimpleNamespace], QuerySet], **values):
    """The first object of build(values) with all its columns, or None."""
    names = [field.attname for field in model._meta.concrete_fields]
    found = rows((shape, model._meta.label), lambda p: build(p).values_list(*names)[:1], **values)
    return instance(model, names, found[0]) if found else None


def instance(model, names, values, db: str = "default"):
    """The object model.from_db(db, names, values) returns, made without Model.__init__.

    A front page makes about a hundred objects from rows, and __init__ (signals, one
    setattr per field, marking the columns not read as deferred) was a fifth of its CPU.
    The result is the same: the columns in the instance's __dict__, the others deferred,
    _state saying where it came from. A model something listens to pre_init or post_init
    for (an ImageField with width_field, say) goes through from_db to keep its signals."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model.from_db(db, names, values)
    obj = model.__new__(model)
    obj.__dict__.update(zip(names, values, strict=True))
    state = obj._state = ModelState()
    state.adding = False
    state.db = db
    return obj
