"""The photo library."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import DatabaseError
from django.utils.html import format_html

from articles import permissions, photos
from articles.admin.protection import ProtectPublishedUsage
from articles.forms import PhotoForm
from articles.models import Photo
from newsroom import imaging, storage


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
        "sizes",
        "created_at",
    ]
    list_display_links = ["thumbnail", "alt_text"]
    list_filter = ["rights", "agency"]
    search_fields = ["alt_text", "caption", "credit", "agency__name"]
    autocomplete_fields = ["agency"]
    readonly_fields = [
        "preview",
        "rendition_status",
        "width",
        "height",
        "uploaded_by",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["image", "save_anyway", "preview", "alt_text", "caption"]}),
        (
            "Credit and rights",
            {"fields": ["credit", "agency", "rights", "licence", "usable_until"]},
        ),
        ("Cropping", {"fields": ["focal_x", "focal_y"], "classes": ["collapse"]}),
        (
            "About the file",
            {"fields": ["rendition_status", "width", "height", "uploaded_by", "created_at"]},
        ),
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
            '<img src="{}" alt="{}" class="photo-preview"><br>{}<br>{}',
            photo.image.url,
            photo.alt_text,
            photo.public_credit,
            self.rendition_status(photo),
        )

    @admin.display(description="sizes for readers")
    def sizes(self, photo):
        return "ready" if photo.renditions_ready else "being made…"

    @admin.display(description="sizes for readers")
    def rendition_status(self, photo):
        if not photo.pk:
            return "Made once the photo is saved."
        if photo.renditions_ready:
            return "Ready."
        return (
            "Being made: this takes a few seconds to a minute after saving (reload to "
            "check). Until then readers' pages show an 800-pixel version of the photo."
        )

    @admin.display(description="credit")
    def public_credit(self, photo):
        return photo.public_credit

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Check and write a new photo's file before the admin's transaction opens.

        Django's admin runs a whole POST in one transaction, and on SQLite a transaction
        holds the database's only write lock from its first statement. Decoding a big photo
        takes a fraction of a second, its renditions seconds: every sign-in and save behind
        it waited, and failed after 20 s (issue 14). So the upload is checked, cleaned and
        written first, here (with one fallback size), the transaction only validates the
        form and points the row at the files, and the other renditions are made by a task
        once it has committed (articles/photos.py). Files that no row points at afterwards
        (the form was refused, the save rolled back) are deleted."""
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        made = self._files_before_saving(request, object_id)
        if made is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        request.photo_upload = made  # handed to the form by get_form()
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        finally:
            if isinstance(made, photos.NewFiles) and not _still_used(made):
                photos.discard(made)

    def _files_before_saving(self, request, object_id):
        """The new file of this POST, written outside any transaction: photos.NewFiles,
        the imaging.ImageRejected that refused the upload or the storage.NotStored that
        could not keep it, or None when the POST brings no new picture, or when Django is
        about to refuse it anyway."""
        obj = None
        if object_id is not None and "_saveasnew" not in request.POST:
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                return None
        elif not self.has_add_permission(request):
            return None
        if "image" in self.get_readonly_fields(request, obj):
            return None
        upload = request.FILES.get("image")
        if upload is None:
            return None
        try:
            return photos.process(upload)
        except (imaging.ImageRejected, storage.NotStored) as refused:
            return refused  # the form shows it, with everything the journalist typed

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # Read-only (a live story's photo seen by a journalist): the duplicate-photo
        # checkbox belongs to saving and would only show "None".
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "save_anyway"]})
            for name, options in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        made = getattr(request, "photo_upload", None)
        if made is None:
            return form
        return type(form.__name__, (form,), {"upload_result": made})

    def delete_model(self, request, obj):
        photos.delete_files(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for photo in queryset:
            photos.delete_files(photo)
        super().delete_queryset(request, queryset)

    def save_model(self, request, obj, form, change):
        if form.new_files is not None:
            photos.attach(obj, form.new_files, by=request.user)
        elif change:
            moved = bool({"focal_x", "focal_y"} & set(form.changed_data))
            photos.save_details(obj, focal_moved=moved)
        else:
            obj.save()


def _still_used(files: photos.NewFiles) -> bool:
    try:
        return photos.is_used(files)
    except DatabaseError:
        return True  # cannot tell: an unused file is harmless, a missing one is not
