"""Who may do what with the newsletter: editors preview, send alerts, and export or erase
subscribers. The one place these rules live (admin, services and tests use it)."""

from articles.permissions import NotAllowed, is_editor


def can_manage(user) -> bool:
    return bool(user.is_authenticated and user.is_staff and is_editor(user))


def require_editor(user) -> None:
    if not can_manage(user):
        raise NotAllowed("Only editors may send newsletters or handle subscribers' data.")
