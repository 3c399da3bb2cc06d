"""Sections, agencies and tags: managed by editors (their role's permissions), and
protected from deletion while published articles use them."""

from django.contrib import admin
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag

from articles.admin.protection import ProtectPublishedUsage
from articles.models import Agency, Section


@admin.register(Section)
class SectionAdmin(ProtectPublishedUsage, admin.ModelAdmin):
    article_lookup = "sections"
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Agency)
class AgencyAdmin(ProtectPublishedUsage, admin.ModelAdmin):
    article_lookup = "agencies"
    list_display = ["name", "credit_name", "website"]
    search_fields = ["name", "photo_credit"]


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(ProtectPublishedUsage, TaggitTagAdmin):
    """Journalists create tags by typing them on an article; editors tidy them here."""

    article_lookup = "tags"
    list_display = ["name", "slug"]
    search_fields = ["name"]
