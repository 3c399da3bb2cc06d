"""Sections of the paper and the agencies we credit."""

from django.db import models

from newsroom.paths import path_to


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True, help_text="E.g. “Middle East”.")
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="The section's address: /section/<slug>/. Changing it breaks old links.",
    )
    description = models.TextField(
        blank=True, help_text="One or two sentences shown at the top of the section page."
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in the navigation and on the front page (smaller first)."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return path_to("articles:section", slug=self.slug)


class Agency(models.Model):
    """A news or photo agency, or another outlet we credit ("AP", "Reuters", "Al Jazeera")."""

    name = models.CharField(
        max_length=80,
        unique=True,
        help_text="As readers see it in “With input from …”, e.g. “Al Jazeera”.",
    )
    photo_credit = models.CharField(
        max_length=80,
        blank=True,
        help_text="How its photos are credited, e.g. “AP Photo” (shown as “Source: AP "
        "Photo”). Leave empty to use the name.",
    )
    website = models.URLField(blank=True, help_text="The agency's home page (optional).")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    @property
    def credit_name(self) -> str:
        return self.photo_credit or self.name
