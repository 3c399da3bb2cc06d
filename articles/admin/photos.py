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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Make a new photo's files before the admin's transaction opens.

        Django's admin runs a whole POST in one transaction, and on SQLite a transaction
        holds the database's only write lock from its first statement. Decoding a big photo
        and making its renditions takes seconds: every sign-in and save behind it waited,
        and failed after 20 s (issue 14). So the files are written first, here, and the
        transaction only validates the form and points the row at them. Files that no row
        points at afterwards (the form was refused, the save rolled back) are deleted."""
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
        """New files for this POST, made outside any transaction: photos.NewFiles, the
        imaging.ImageRejected that refused the upload or the storage.NotStored that could
        not keep it, or None when the POST brings no new picture or focal point, or when
        Django is about to refuse it anyway."""
        obj = None
        if object_id is not None and "_saveasnew" not in request.POST:
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                return None
        elif not self.has_add_permission(request):
            return None
        if "image" in self.get_readonly_fields(request, obj):
            return None
        focal = _focal_point(request.POST, obj)
        upload = request.FILES.get("image")
        try:
            if upload is not None:
                return photos.process(upload, focal=focal)
            if obj is not None and obj.image and focal != (obj.focal_x, obj.focal_y):
                return photos.recut(obj, focal=focal)
        except (imaging.ImageRejected, storage.NotStored) as refused:
            return refused  # the form shows it, with everything the journalist typed
        return None

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
        files = form.new_files
        focal = (obj.focal_x, obj.focal_y)
        if files is not None and files.image:
            photos.attach(obj, files, by=request.user)
            if files.focal != focal:  # the form read the focal point otherwise: cut again
                photos.recrop(obj)
        elif files is not None and files.focal == focal:
            photos.attach(obj, files)
        elif change and {"focal_x", "focal_y"} & set(form.changed_data):
            obj.save()
            photos.recrop(obj)
        else:
            obj.save()


def _focal_point(post, photo: Photo | None) -> tuple[float, float]:
    """The focal point a POST asks for, as the form will read it; where a value is not a
    number from 0 to 1 the form refuses it, and the photo's own (or the middle) serves."""
    current = (photo.focal_x, photo.focal_y) if photo is not None else (0.5, 0.5)
    point = []
    for name, fallback in zip(("focal_x", "focal_y"), current, strict=True):
        try:
            value = float(post.get(name, ""))
        except ValueError:
            value = fallback
        point.append(value if 0 <= value <= 1 else fallback)
    return tuple(point)


def _still_used(files: photos.NewFiles) -> bool:
    try:
        return photos.is_used(files)
    except DatabaseError:
        return True  # cannot tell: an unused file is harmless, a missing one is not
