"""A save refused because someone else saved first, shown side by side.

The form keeps the person's text; this module says, field by field, how it differs from
the version saved since (the person's text on the left, the saved one on the right) and
what the desk offers for each: keep theirs, take the saved one, or — for the body — put
both versions' paragraphs together to finish by hand. Nothing here saves anything: the
person's next save goes through the form's version check like any other.
"""

import difflib
import itertools
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from taggit.managers import TaggableManager
from taggit.utils import edit_string_for_tags

from articles import revisions, richtext
from articles.models import Article


@dataclass(frozen=True)
class Row:
    mine: SafeString
    saved: SafeString
    differs: bool


@dataclass(frozen=True)
class Difference:
    label: str
    rows: list[Row]
    # The form field the buttons fill ("" for relations, changed in the form by hand).
    field: str = ""
    saved_value: str = ""
    # The body only: both versions' paragraphs together ("" when there is nothing to join).
    combined_value: str = ""


@dataclass(frozen=True)
class Conflict:
    saved: Article
    differences: list[Difference]
    # The version the person's text was written on (None if the save named none). The
    # refusal page's form is then written on `saved`, but a copy of its text kept in the
    # browser still carries this one (see article_editor.js).
    written_on: int | None = None

    @property
    def saved_by(self) -> str:
        who = self.saved.last_edited_by or self.saved.created_by
        return who.get_full_name() or who.get_username()

    @property
    def saved_at(self):
        return timezone.localtime(self.saved.updated_at or self.saved.created_at)


# The editor's form names a content field as the model does, except the authors, which it
# takes in byline order.
FORM_NAMES = {"authors": "bylines"}


def form_name(field) -> str:
    """The editor's form field for a content field of the article."""
    return FORM_NAMES.get(field.name, field.name)


def compare(saved: Article, submitted: dict) -> Conflict:
    """How the text a person tried to save (the form's cleaned data) differs from `saved`,
    for every content field of the article (`Article.content_fields()`)."""
    differences = [_difference(field, saved, submitted) for field in Article.content_fields()]
    return Conflict(
        saved=saved,
        differences=[d for d in differences if d is not None],
        written_on=submitted.get("loaded_version"),
    )


def _difference(field, saved: Article, submitted: dict) -> Difference | None:
    label, name = revisions.label(field), form_name(field)
    if name not in submitted:
        return None  # a field the form did not offer was not changed by the person
    mine = submitted[name]
    if field.name == "body":
        mine_body = richtext.sanitize(mine or "")
        return None if mine_body == saved.body else _body_difference(mine_body, saved.body)

    if isinstance(field, TaggableManager):
        saved_tags = list(saved.tags.all())
        mine_tags = mine or []
        if sorted(t.lower() for t in mine_tags) == sorted(t.name.lower() for t in saved_tags):
            return None
        return Difference(
            label,
            [_row(", ".join(mine_tags), ", ".join(t.name for t in saved_tags))],
            field=name,
            saved_value=edit_string_for_tags(saved_tags),
        )

    if field.many_to_many:
        return _relation_difference(field, label, saved, list(mine or []), submitted)

    if field.many_to_one:
        theirs = getattr(saved, field.name)
        if getattr(mine, "pk", None) == getattr(theirs, "pk", None):
            return None
        return Difference(label, [_row(str(mine or ""), str(theirs or ""))])

    theirs = field.value_from_object(saved)
    if isinstance(mine, str):
        mine = mine.strip()
    if field.name == "slug":
        mine = mine or theirs  # left empty, the saved address stays
    if mine == theirs:
        return None
    saved_value = "" if theirs is None else str(theirs)
    return Difference(
        label,
        [_row("" if mine is None else str(mine), saved_value)],
        field=name,
        saved_value=saved_value,
    )


def _relation_difference(field, label, saved, mine: list, submitted) -> Difference | None:
    """The names side by side; relations are changed in the form by hand (no button)."""
    if field.name == "authors":
        theirs = saved.byline_authors  # in byline order, which is part of the story
        if [author.pk for author in mine] == [author.pk for author in theirs]:
            return None
    else:
        theirs = list(getattr(saved, field.name).all())
        if field.name == "sections":
            # The primary section is always one of the sections, ticked or not.
            primary = submitted.get("primary_section")
            mine += [primary] if primary and primary not in mine else []
        if {obj.pk for obj in mine} == {obj.pk for obj in theirs}:
            return None
        mine, theirs = sorted(mine, key=str), sorted(theirs, key=str)
    return Difference(label, [_row(_names(mine), _names(theirs))])


def _names(objects) -> str:
    return ", ".join(str(obj) for obj in objects)


# --- the body, paragraph by paragraph -------------------------------------------------


def _body_difference(mine: str, saved: str) -> Difference:
    mine_lines = richtext.to_text(mine).splitlines()
    saved_lines = richtext.to_text(saved).splitlines()
    rows = []
    matcher = difflib.SequenceMatcher(a=mine_lines, b=saved_lines, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            rows += [Row(escape(line), escape(line), False) for line in mine_lines[a1:a2]]
        else:
            pairs = itertools.zip_longest(mine_lines[a1:a2], saved_lines[b1:b2], fillvalue="")
            rows += [_row(left, right) for left, right in pairs]
    return Difference(
        "Body", rows, field="body", saved_value=saved, combined_value=_combined(mine, saved)
    )


def _combined(mine: str, saved: str) -> str:
    """Every block (paragraph, heading, list…) of both versions, in order: where they
    differ, the person's blocks come first, then the saved ones. A starting point to
    finish by hand, offered only when each version has something the other lacks."""
    mine_blocks, saved_blocks = _blocks(mine), _blocks(saved)
    if not set(mine_blocks) - set(saved_blocks) or not set(saved_blocks) - set(mine_blocks):
        return ""
    joined = []
    matcher = difflib.SequenceMatcher(a=mine_blocks, b=saved_blocks, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        joined += mine_blocks[a1:a2]
        if op != "equal":
            joined += saved_blocks[b1:b2]
    return "".join(joined)


def _row(mine: str, saved: str) -> Row:
    """One line of each side, the words that differ marked on both."""
    if mine == saved:
        return Row(escape(mine), escape(saved), False)
    mine_words, saved_words = mine.split(), saved.split()
    left, right = [], []
    matcher = difflib.SequenceMatcher(a=mine_words, b=saved_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        mine_part = escape(" ".join(mine_words[a1:a2]))
        saved_part = escape(" ".join(saved_words[b1:b2]))
        if op == "equal":
            left.append(mine_part)
            right.append(saved_part)
            continue
        if a2 > a1:
            left.append(f"<mark>{mine_part}</mark>")
        if b2 > b1:
            right.append(f"<mark>{saved_part}</mark>")
    # Every word was escaped above; only our own <mark> is markup.
    return Row(mark_safe(" ".join(left)), mark_safe(" ".join(right)), True)  # noqa: S308


class _BlockSplitter(HTMLParser):
    """Cuts a sanitised body into its top-level elements, each kept as written."""

    VOID = {"br", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._depth = 0

    def _add(self, piece: str, *, opens: bool = False, closes: bool = False) -> None:
        self._current.append(piece)
        self._depth += opens - closes
        if self._depth <= 0:
            self._depth = 0
            block = "".join(self._current)
            if block.strip():
                self.blocks.append(block)
            self._current = []

    def handle_starttag(self, tag, attrs):
        self._add(self.get_starttag_text(), opens=tag not in self.VOID)

    def handle_startendtag(self, tag, attrs):
        self._add(self.get_starttag_text())

    def handle_endtag(self, tag):
        self._add(f"</{tag}>", closes=tag not in self.VOID)

    def handle_data(self, data):
        self._add(data)

    def handle_entityref(self, name):
        self._add(f"&{name};")

    def handle_charref(self, name):
        self._add(f"&#{name};")


def _blocks(body: str) -> list[str]:
    splitter = _BlockSplitter()
    splitter.feed(body)
    splitter.close()
    return splitter.blocks
