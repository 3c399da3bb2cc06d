"""What a WordPress import remembers: which of our objects each WordPress post,
attachment, author and term became, so that running the import again updates instead of
duplicating, and so that the old site's archive addresses find their new pages.

A post's old addresses are `articles.ArticleRedirect` rows (they are addresses the story
had), looked up only for published stories; archives (/category/x/, /tag/y/, /author/z/)
are answered from the terms and authors kept here (wordpress/middleware.py)."""

from django.db import models


class ImportedPost(models.Model):
    """A WordPress post and the article it became, keyed on the site and the post's ID:
    GUIDs are not unique in real exports (the Theme Unit Test has two pairs of posts
    sharing one), IDs are, within a site."""

    site = models.CharField(max_length=300, help_text="The old site's address.")
    wp_id = models.PositiveBigIntegerField()
    guid = models.CharField(max_length=500, blank=True)
    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, related_name="wordpress_post"
    )
    # A digest of everything the import read for this post: unchanged → nothing to do.
    fingerprint = models.CharField(max_length=64)
    # The article's version the import left: a higher one means the desk edited it since,
    # and the import does not overwrite their work.
    article_version = models.PositiveIntegerField()
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "wp_id"], name="one_article_per_post"),
        ]

    def __str__(self) -> str:
        return f"WordPress post {self.wp_id} → {self.article_id}"


class ImportedAttachment(models.Model):
    """A WordPress attachment and the photo it became (none while its file is missing)."""

    site = models.CharField(max_length=300)
    wp_id = models.PositiveBigIntegerField()
    guid = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=1000)
    photo = models.ForeignKey(
        "articles.Photo", on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "wp_id"], name="one_photo_per_attachment"),
        ]

    def __str__(self) -> str:
        return self.url


class ImportedAuthor(models.Model):
    """A WordPress author (by login) and the author profile bylines use."""

    login = models.CharField(max_length=150, unique=True)
    author = models.ForeignKey("authors.Author", on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return self.login


class Taxonomy(models.TextChoices):
    CATEGORY = "category", "Category"
    TAG = "post_tag", "Tag"


class ImportedTerm(models.Model):
    """A WordPress category or tag and what it became: a section (mapped categories) or a
    tag. Its archive addresses answer 301 to that page."""

    taxonomy = models.CharField(max_length=10, choices=Taxonomy)
    nicename = models.CharField(max_length=200)
    wp_id = models.PositiveBigIntegerField(null=True, blank=True)
    name = models.CharField(max_length=200)
    section = models.ForeignKey(
        "articles.Section", on_delete=models.CASCADE, null=True, related_name="+"
    )
    tag = models.ForeignKey("taggit.Tag", on_delete=models.CASCADE, null=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["taxonomy", "nicename"], name="one_term_per_nicename"),
        ]

    def __str__(self) -> str:
        return f"{self.get_taxonomy_display()} {self.name}"
