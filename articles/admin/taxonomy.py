"""Sections, agencies and tags: managed by editors (their role's permissions), and
protected from deletion while published articles use them."""

from django import forms
from django.contrib import admin
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag

from articles import permissions
from articles.admin.protection import ProtectPublishedUsage
from articles.models import Agency, Section
from articles.tag_names import check_tag_names


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


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug"]
        help_texts = {
            "name": "As readers see it, e.g. “Gaza” or “United Nations”. It needs letters "
            "or digits.",
            "slug": "The tag's address: /tags/<slug>/. Changing it breaks old links.",
        }

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        check_tag_names([name])
        return name


@admin.register(Tag)
class TagAdmin(ProtectPublishedUsage, TaggitTagAdmin):
    """Journalists create tags by typing them on an article; editors tidy them here."""

    form = TagForm
    article_lookup = "tags"
    list_display = ["name", "slug"]
    search_fields = ["name"]
    # taggit's "Merge selected tags" is left out: it asks no permission (its action and
    # its merge-tags page are open to anyone on staff) and it moves taggit's own tagged
    # items, not our articles' (TaggedArticle), so it would only create an empty tag.
    actions = []

    def get_urls(self):
        return [
            url
            for url in super().get_urls()
            if getattr(url, "name", None) != "taggit_tag_merge_tags"
        ]

    def get_queryset(self, request):
        # Journalists (view only) see the tags of stories they can see, as in suggestions.
        return permissions.visible_tags(request.user, super().get_queryset(request))
