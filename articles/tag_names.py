"""What a tag may be called. Every tag has a public address, /tags/<slug>/, made from its
name; a name with no letters or digits (">", "…", an emoji) would make an empty one."""

from django.core.exceptions import ValidationError
from taggit.models import Tag


def check_tag_names(names) -> None:
    """Refuse, in the desk's words, any tag whose name gives no address."""
    without_address = [name for name in names if not Tag().slugify(name)]
    if without_address:
        quoted = ", ".join(f"“{name}”" for name in without_address)
        raise ValidationError(
            f"A tag needs letters or digits to make its address from: {quoted} has none. "
            "Write the tag in words, or remove it.",
            code="tag_without_address",
        )
