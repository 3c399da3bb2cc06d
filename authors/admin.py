from django.contrib import admin
from django.utils.html import format_html

from authors.forms import AuthorForm
from authors.models import Author, AuthorLink


class AuthorLinkInline(admin.TabularInline):
    model = AuthorLink
    extra = 1
    fields = ["label", "url", "position"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    form = AuthorForm
    list_display = ["name", "job_title", "user", "is_active", "page"]
    list_filter = ["is_active"]
    search_fields = ["name", "job_title"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AuthorLinkInline]
    fields = ["name", "slug", "job_title", "bio", "portrait", "user", "is_active"]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The byline chooser offers only authors who can still be given bylines.
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.filter(is_active=True)
        return queryset, may_have_duplicates

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = db_field.related_model.objects.filter(is_staff=True).order_by(
                "username"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="public page")
    def page(self, author):
        return format_html('<a href="{}">view</a>', author.get_absolute_url())
