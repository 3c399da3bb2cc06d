"""The photo library."""

from django.contrib import admin, messages
from django.utils.html import format_html

from articles import permissions, photos
from articles.admin.protection import ProtectPublishedUsage
from articles.forms import PhotoForm
from articles.models import Photo


@admin.register(Photo)
class PhotoAdmin(ProtectPublishedUsage, admin.ModelAdmin):
    form = PhotoForm
    article_lookup = "lead_photo"
    list_display = [
        "thumbnail",
        "alt_text",
        "public_credit",
        "rights",
        "usable_until",
        "created_at",
    ]
    list_display_links = ["thumbnail", "alt_text"]
    list_filter = ["rights", "agency"]
    search_fields = ["alt_text", "caption", "credit", "agency__name"]
    autocomplete_fields = ["agency"]
    readonly_fields = ["preview", "width", "height", "uploaded_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["image", "save_anyway", "preview", "alt_text", "caption"]}),
        (
            "Credit and rights",
            {"fields": ["credit", "agency", "rights", "licence", "usable_until"]},
        ),
        ("Cropping", {"fields": ["focal_x", "focal_y"], "classes": ["collapse"]}),
        ("About the file", {"fields": ["width", "height", "uploaded_by", "created_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency", "uploaded_by")

    # --- who may change what readers see (articles/permissions.py) ----------------------
    # Every door of a photo (its form, a new file, the chooser's edit popup, deletion and
    # the bulk actions) asks these, so a journalist cannot alter a live story's photo.

    def has_change_permission(self, request, obj=None):
        return permissions.can_change_photo(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_delete_photo(request.user, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        photo = self.get_object(request, object_id)
        if (
            request.method == "GET"
            and photo is not None
            and self.has_view_permission(request, photo)
            and not self.has_change_permission(request, photo)
        ):
            self.message_user(request, permissions.PHOTO_ON_PUBLIC_STORY, messages.INFO)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for photo in objs:
            if not permissions.can_delete_photo(request.user, photo):
                perms_needed.add(f"“{photo}” (it appears on a live or scheduled story)")
        return deleted, model_count, perms_needed, protected

    @admin.display(description="photo")
    def thumbnail(self, photo):
        if not photo.image:
            return "—"
        return format_html(
            '<img src="{}" alt="" width="96" height="64" class="photo-thumb">',
            photo.admin_thumbnail_url,
        )

    @admin.display(description="preview")
    def preview(self, photo):
        if not photo.pk or not photo.image:
            return "Shown here once the photo is saved."
        return format_html(
            '<img src="{}" alt="{}" class="photo-preview"><br>{}',
            photo.image.url,
            photo.alt_text,
            photo.public_credit,
        )

    @admin.display(description="credit")
    def public_credit(self, photo):
        return photo.public_credit

    def save_model(self, request, obj, form, change):
        if form.prepared is not None:
            photos.store(obj, form.prepared, by=request.user)
        elif change and {"focal_x", "focal_y"} & set(form.changed_data):
            obj.save()
            photos.recrop(obj)
        else:
            obj.save()
