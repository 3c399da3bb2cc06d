"""Copy the local media folder into the configured media storage (a site moving to S3).

python manage.py copy_media_to_storage                # from MEDIA_ROOT
python manage.py copy_media_to_storage --from /srv/old-media

Safe to run again: a file already in the storage with the same size is left alone, so an
interrupted copy continues where it stopped. Nothing in the storage is ever overwritten.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError

from newsroom import storage


class Command(BaseCommand):
    help = "Copy local media (photos, renditions, portraits) into the configured storage."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="source",
            default=None,
            help="the local media folder to copy (default: MEDIA_ROOT)",
        )

    def handle(self, *args, source=None, **options):
        folder = Path(source or settings.MEDIA_ROOT).resolve()
        if not folder.is_dir():
            raise CommandError(f"There is no media folder at {folder}.")
        local = FileSystemStorage(location=folder)
        target = storages["default"]
        if isinstance(target, FileSystemStorage) and Path(target.location).resolve() == folder:
            raise CommandError(
                "The media storage is this folder itself: set MEDIA_STORAGE=s3 and the "
                "S3_* variables first (docs/configuration.md)."
            )
        names = sorted(_files(local))
        copied = present = 0
        for done, name in enumerate(names, start=1):
            try:
                if target.exists(name):
                    if target.size(name) != local.size(name):
                        raise CommandError(
                            f"{name} is already in the storage with other contents; it was "
                            "not overwritten. Compare the two and remove one, then run "
                            "the command again."
                        )
                    present += 1
                else:
                    with local.open(name, "rb") as content:
                        stored = target.save(name, content)
                    if stored != name:  # cannot happen: the name was free just before
                        target.delete(stored)
                        raise CommandError(f"{name} was taken meanwhile; run the command again.")
                    copied += 1
            except storage.FAULTS as fault:
                raise CommandError(
                    f"Could not copy {name}: {fault}. {copied} files were copied before it; "
                    "run the command again to continue."
                ) from fault
            self._progress(done, len(names))
        self.stdout.write(f"{copied} copied, {present} already there, {len(names)} in all.")

    def _progress(self, done: int, total: int) -> None:
        """One line rewritten in place on a terminal; a line per tenth otherwise (logs)."""
        line = f"{done}/{total} files ({done * 100 // total} %)"
        if self.stdout.isatty():
            self.stdout.write(line, ending="\r" if done < total else "\n")
        elif done == total or done % max(1, total // 10) == 0:
            self.stdout.write(line)


def _files(local: FileSystemStorage, folder: str = ""):
    """Every file under the folder, by storage name; leftovers of interrupted writes
    (hidden .partial- files) and health checks are not media."""
    folders, files = local.listdir(folder)
    for name in files:
        if not name.startswith("."):
            yield f"{folder}{name}"
    for sub in folders:
        if not sub.startswith(".") and f"{folder}{sub}" != "healthz":
            yield from _files(local, f"{folder}{sub}/")
