"""Public author profiles: the people behind the bylines."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models

from newsroom.paths import path_to
from newsroom.slugs import unique_slug
from newsroom.uploads import unguessable_upload_path
from newsroom.validators import validate_public_link


class AuthorQuerySet(models.QuerySet):
    def active(self) -> "AuthorQuerySet":
        """Authors who can be given new bylines."""
        return self.filter(is_active=True)


class Author(models.Model):
    name = models.CharField(
        max_length=120, help_text="As it appears in bylines, e.g. “Leila Haddad”."
    )
    slug = models.SlugField(
        max_length=140,
        unique=True,
        allow_unicode=True,
        help_text="The last part of the author page's address (/authors/<slug>/). "
        "Filled in from the name when left empty.",
        blank=True,
    )
    job_title = models.CharField(
        max_length=120, blank=True, help_text="E.g. “Middle East correspondent”."
    )
    bio = models.TextField(
        blank=True,
        help_text="A few sentences shown in the bio box under each article and on the "
        "author page. Plain text; a blank line starts a new paragraph.",
    )
    portrait = models.ImageField(
        upload_to=unguessable_upload_path("portraits"),
        blank=True,
        help_text="A square head-and-shoulders photo, at least 400 × 400 pixels.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profile",
        help_text="The staff account of this author, if they have one: their new "
        "articles get this byline automatically.",
    )
    is_active = models.BooleanField(
        default=True,
        help_text="Untick when the author leaves: their bylines and page stay, but they "
        "can no longer be added to new articles.",
    )

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name if self.is_active else f"{self.name} (inactive)"

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Author, self.name, exclude_pk=self.pk, fallback="author")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return path_to("authors:detail", slug=self.slug)

    def set_portrait(self, prepared) -> None:
        """Store a portrait that passed the upload gate (newsroom.imaging.prepare), as a
        square of at most 800 pixels: the bio box and the author page show it round."""
        self.portrait.save("portrait.jpg", ContentFile(prepared.square_jpeg(800)), save=False)


class AuthorLink(models.Model):
    """A public link on an author's profile: their website, a social account, an e-mail."""

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(max_length=60, help_text="What readers see, e.g. “Website”.")
    url = models.CharField(
        "address",
        max_length=300,
        validators=[validate_public_link],
        help_text="A full web address starting with https://, or mailto: for e-mail.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label
