"""Reads per story: counts per hour, and the most-read lists the pages show.

No reader is stored: a row is a story, an hour and a number (docs/decisions.md, "Most
read"). The counts are made in the cache and rolled up here by a periodic job
(articles/reads.py).
"""

from django.db import models


class StoryReads(models.Model):
    """How many times a story was read in one hour (UTC), counted without cookies."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="reads")
    hour = models.DateTimeField(help_text="The start of the hour these reads fell in (UTC).")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "story reads"
        verbose_name_plural = "story reads"
        constraints = [
            models.UniqueConstraint(fields=["article", "hour"], name="story_reads_once_an_hour")
        ]
        indexes = [models.Index(fields=["hour", "article"], name="story_reads_by_hour")]

    def __str__(self):
        return f"{self.article_id} at {self.hour:%Y-%m-%d %H:00}: {self.count}"


class MostRead(models.Model):
    """One place of a most-read list: the paper's (no section) or a section's. Rewritten
    by the roll-up every few minutes; pages read it with the stories published now."""

    section = models.ForeignKey(
        "articles.Section", null=True, on_delete=models.CASCADE, related_name="most_read"
    )
    position = models.PositiveSmallIntegerField()
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="most_read_places"
    )

    class Meta:
        verbose_name = "most-read place"
        ordering = ["section_id", "position"]
        indexes = [models.Index(fields=["section", "position"], name="most_read_by_list")]

    def __str__(self):
        return f"{self.section_id or 'paper'} #{self.position}: {self.article_id}"
