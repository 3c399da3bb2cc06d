"""Where uploaded files are stored: unguessable names, so a URL cannot be guessed."""

import secrets

from django.utils import timezone
from django.utils.deconstruct import deconstructible


@deconstructible
class unguessable_upload_path:  # noqa: N801 - used like a function in model fields
    """`<folder>/<yyyy>/<mm>/<32 random hex>.<ext>`; the uploaded name is not kept."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
        if not extension.isalnum() or len(extension) > 5:
            extension = "bin"
        now = timezone.now()
        return f"{self.folder}/{now:%Y/%m}/{secrets.token_hex(16)}.{extension}"

    def __eq__(self, other):
        return isinstance(other, unguessable_upload_path) and other.folder == self.folder
