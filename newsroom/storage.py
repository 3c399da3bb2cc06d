"""Media storage: the local folder's safe writes, and what a storage fault means.

Code reads and writes media through Django's storage API only (`default_storage`), so the
backend is a setting: this module's `FileSystemMediaStorage` with nothing configured,
django-storages' S3 backend with `MEDIA_STORAGE=s3` (newsroom/settings.py,
docs/deployment.md). An S3 PUT is all-or-nothing by itself; the local folder needs the
temporary name below to be the same.
"""

import logging
import os
import secrets
import tempfile

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage

logger = logging.getLogger(__name__)

NOT_STORED = "The photo could not be stored, nothing was saved — try again later."

# What a storage raises when it cannot keep a file: the disk or folder (OSError: full,
# read-only, missing), the S3 endpoint (botocore: unreachable, timed out, refused).
FAULTS = (OSError, BotoCoreError, ClientError)


class NotStored(ValidationError):
    """A file could not be written (or read back) by the media storage. Nothing of it is
    left behind; the message is for a journalist, the cause is logged for us."""

    def __init__(self, message: str = NOT_STORED):
        super().__init__(message, code="not_stored")


class FileSystemMediaStorage(FileSystemStorage):
    """Django's file system storage, writing each file under a temporary name in its own
    folder and renaming it into place when complete.

    Django writes straight to the final name, so a full disk left a truncated file that
    no photo pointed to, served as a broken image if anyone asked for it (issue 16). A
    rename within one folder is atomic: a reader, another web node or a crash sees the
    whole file or nothing, and a failed write removes its temporary file."""

    def _save(self, name, content):
        folder = os.path.dirname(self.path(name))
        os.makedirs(folder, exist_ok=True)
        # Hidden, so a file left by a killed process is easy to tell from media.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".partial-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk)
            # Django's own path for a file already on disk: file_move_safe renames it
            # (same folder, so never a copy) and applies FILE_UPLOAD_PERMISSIONS.
            return super()._save(name, _WrittenFile(temporary))
        finally:
            if os.path.exists(temporary):  # the write or the rename failed
                os.unlink(temporary)


class _WrittenFile(File):
    """A complete file on disk that the storage may move into place."""

    def __init__(self, path: str):
        super().__init__(None, name=path)
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


def delete_quietly(storage: Storage, names: list[str]) -> list[str]:
    """Delete these files, carrying on past faults (a file that could not be deleted is
    harmless, an error here would hide the one that matters); returns those left."""
    left = []
    for name in names:
        try:
            storage.delete(name)
        except FAULTS as fault:
            logger.warning("Could not delete media file %s: %s", name, fault)
            left.append(name)
    return left


def urls_expire(storage: Storage) -> bool:
    """Whether the storage's URLs are signed with an expiry (S3 without a public
    domain): such URLs must not be memoised or cached beyond their lifetime."""
    return bool(getattr(storage, "querystring_auth", False)) and not getattr(
        storage, "custom_domain", None
    )


def check_writable(storage: Storage) -> None:
    """Write, read back and delete a small file: raises what the storage raises."""
    content = secrets.token_hex(8).encode()
    name = storage.save(f"healthz/{secrets.token_hex(16)}.txt", ContentFile(content))
    try:
        with storage.open(name, "rb") as stored:
            if stored.read() != content:
                raise OSError(f"media storage returned other bytes for {name}")
    finally:
        storage.delete(name)


def s3_storage(
    *,
    bucket: str,
    endpoint: str,
    region: str,
    media_url: str,
    access_key: str = "",
    secret_key: str = "",
    acl: str = "",
    signed: bool = False,
    expiry: int = 3600,
    timeout: int = 5,
) -> dict:
    """The STORAGES entry for django-storages' S3 backend (newsroom/settings.py; the tests
    use it too, against moto's server)."""
    from botocore.config import Config

    protocol, domain = media_url.rstrip("/").split("//", 1)
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint or None,
            "region_name": region,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "default_acl": acl or None,
            # Signed, expiring URLs for a private bucket with no CDN in front; otherwise
            # plain URLs under MEDIA_URL, which pages may cache (and renditions.py memoises).
            "querystring_auth": signed,
            "querystring_expire": expiry,
            "custom_domain": None if signed else domain,
            "url_protocol": protocol,
            # A name never gets other bytes (refocusing writes new names), so browsers and
            # CDNs may keep a file for a year.
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            # Refocusing a photo writes renditions under the names it had: the bucket must
            # say a name is taken (Django's rule, a HEAD per file) or the old files, deleted
            # after the commit, would be the new ones.
            "file_overwrite": False,
            # An unreachable endpoint must fail an upload in seconds with a clear message,
            # not hold a worker for boto3's default of 60 s × 5 attempts.
            "client_config": Config(
                connect_timeout=timeout,
                read_timeout=timeout * 2,
                retries={"max_attempts": 2, "mode": "standard"},
                # Signed URLs in AWS's current scheme (boto3 may otherwise sign the old
                # way, which new regions and MinIO refuse).
                signature_version="s3v4",
                # MinIO, moto and most S3-compatible servers: bucket in the path.
                s3={"addressing_style": "path"} if endpoint else None,
            ),
        },
    }
