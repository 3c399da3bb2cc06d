"""Import a WordPress export (WXR) — see docs/desk.md, "Importing from WordPress".

python manage.py import_wordpress export.xml --by editor \\
    --sections "Mideast=Middle East,US News=USA" --default-section World \\
    --media-dir /srv/old-site/wp-content/uploads
"""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from articles import permissions
from wordpress import importer, wxr
from wordpress.media import MAX_BYTES, MediaSource


class Command(BaseCommand):
    help = (
        "Import posts, authors, categories, tags and photos from a WordPress export (WXR "
        "1.0–1.2). Safe to run again: what changed is updated, nothing is duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xml file of WordPress's Tools → Export.")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="The editor the import acts as (publishing needs an editor). Default: the "
            "only active superuser, if there is exactly one.",
        )
        parser.add_argument(
            "--sections",
            default="",
            metavar="MAPPING",
            help='WordPress categories to our sections: "Mideast=Middle East,US News=USA" '
            "(category name or slug = section name or slug).",
        )
        parser.add_argument(
            "--default-section",
            metavar="SECTION",
            help="The section of posts with no mapped category (required if there are any).",
        )
        parser.add_argument(
            "--unmapped-categories",
            choices=["tags", "report"],
            default="tags",
            help="Categories not mapped to a section become tags (default), or are only reported.",
        )
        parser.add_argument(
            "--create-users",
            action="store_true",
            help="Give each WordPress author a desk account (journalist, no password: they "
            "set one with “Forgotten your password?”).",
        )
        parser.add_argument(
            "--media-dir",
            type=Path,
            metavar="DIR",
            help="A copy of the old site's wp-content/uploads, tried before the network.",
        )
        parser.add_argument(
            "--no-fetch",
            action="store_true",
            help="Never download media from the old site's addresses.",
        )
        parser.add_argument(
            "--media-timeout",
            type=float,
            default=5.0,
            metavar="SECONDS",
            help="How long to wait for a media host (default 5 s; a host that fails is not "
            "tried again during the run).",
        )
        parser.add_argument(
            "--atomic",
            action="store_true",
            help="All or nothing: one transaction for the whole import (by default each "
            "post is its own, and running again resumes where a failed run stopped).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be imported; change nothing and download nothing.",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="No progress bar (it is off when not a terminal)."
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} does not exist or is not a file.")
        media_dir = Path(options["media_dir"]) if options["media_dir"] else None
        if media_dir is not None and not media_dir.is_dir():
            raise CommandError(f"--media-dir {media_dir} is not a folder.")
        try:
            run_options = importer.Options(
                by=self._editor(options["by"]),
                sections=importer.parse_sections(options["sections"]),
                default_section=(
                    importer.find_section(options["default_section"])
                    if options["default_section"]
                    else None
                ),
                unmapped_as_tags=options["unmapped_categories"] == "tags",
                create_users=options["create_users"],
                media=MediaSource(
                    media_dir=media_dir,
                    fetch=not options["no_fetch"],
                    timeout=options["media_timeout"],
                    max_bytes=MAX_BYTES,
                ),
                dry_run=options["dry_run"],
                atomic=options["atomic"],
            )
            with self._progress(quiet=options["quiet"]) as bar:
                report = importer.run(
                    path, run_options, progress=bar.update, total=self._total(bar)
                )
        except (wxr.WXRError, importer.ImportRefused) as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(
                f"The database refused a write ({error}). Posts imported before it are kept "
                "unless --atomic was given; run the command again to resume."
            ) from None

        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was changed. The import would do this:")
            for line in report.planned:
                self.stdout.write(f"  {line}")
        for line in report.lines():
            self.stdout.write(line)

    def _editor(self, username: str | None):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"There is no active account “{username}”.")
        else:
            superusers = list(User.objects.filter(is_superuser=True, is_active=True)[:2])
            if len(superusers) != 1:
                raise CommandError(
                    "Name the editor the import acts as: --by USERNAME (it publishes stories)."
                )
            user = superusers[0]
        if not permissions.is_editor(user):
            raise CommandError(
                f"“{user.get_username()}” is not an editor: the import publishes stories, "
                "so it must act as an editor (--by)."
            )
        return user

    def _progress(self, *, quiet: bool):
        """A tqdm bar on stderr, counting items, only on a terminal."""
        return tqdm(
            desc="Importing",
            unit=" items",
            file=sys.stderr,
            disable=quiet or not sys.stderr.isatty(),
        )

    @staticmethod
    def _total(bar):
        def set_total(items: int) -> None:
            bar.total = items  # known once the first pass has read the file
            bar.refresh()

        return set_total
