"""The front page's curation and the breaking-news banner: editors only (role permissions)."""

from django.contrib import admin, messages
from django.utils import timezone

from articles.models import Article, BreakingNews, FrontPageSlot


@admin.register(FrontPageSlot)
class FrontPageSlotAdmin(admin.ModelAdmin):
    list_display = ["position", "article", "starts_at", "ends_at", "in_force"]
    list_filter = ["position"]
    ordering = ["position", "-starts_at"]
    autocomplete_fields = ["article"]
    fields = ["position", "article", "starts_at", "ends_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")

    @admin.display(boolean=True, description="in force now")
    def in_force(self, slot):
        now = timezone.now()
        return slot.starts_at <= now and (slot.ends_at is None or slot.ends_at > now)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            # Only stories that are out or scheduled can be pinned.
            kwargs["queryset"] = Article.objects.live_or_scheduled()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(BreakingNews)
class BreakingNewsAdmin(admin.ModelAdmin):
    list_display = ["text", "starts_at", "ends_at", "showing"]
    fields = ["text", "link", "starts_at", "ends_at"]
    actions = ["take_down"]

    @admin.display(boolean=True, description="showing now")
    def showing(self, banner):
        now = timezone.now()
        return banner.starts_at <= now and (banner.ends_at is None or banner.ends_at > now)

    @admin.action(description="Take the selected banners down now", permissions=["change"])
    def take_down(self, request, queryset):
        now = timezone.now()
        for banner in queryset.filter(starts_at__lt=now):
            banner.ends_at = now
            banner.save(update_fields=["ends_at"])
        self.message_user(request, "The banner is down on every page.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
