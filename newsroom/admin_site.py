"""The admin site: the desk's workplace."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponseRedirect


class ThumbnailAutocompleteView(AutocompleteJsonView):
    """Admin autocomplete that also sends a thumbnail for objects that have one (photos),
    so the lead-photo chooser shows the picture and its credit while choosing."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        thumbnail = getattr(obj, "admin_thumbnail_url", None)
        if thumbnail:
            result["thumb"] = thumbnail
        return result


def public_address(model_admin, obj) -> str | None:
    """Where readers see the object, as its admin decides (ModelAdmin.view_on_site)."""
    if callable(model_admin.view_on_site):
        return model_admin.view_on_site(obj)
    if model_admin.view_on_site and hasattr(obj, "get_absolute_url"):
        return obj.get_absolute_url()
    return None


class NewsroomAdminSite(admin.AdminSite):
    site_header = f"{settings.SITE_NAME} — newsroom"
    site_title = settings.SITE_NAME
    index_title = "The desk"

    @property
    def login_form(self):
        from newsroom.accounts import NewsroomLoginForm

        return NewsroomLoginForm

    def get_urls(self):
        from django.urls import path

        from newsroom import accounts

        urls = [
            path(
                "two-step/",
                self.admin_view(accounts.two_step_page),
                {"admin_site": self},
                name="two_step",
            ),
            path(
                "r/<int:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            ),
            # Outside /admin/two-step/, which editors who must turn two-step sign-in on
            # may still open (TwoStepRequiredMiddleware).
            path(
                "two-step-reset/",
                self.admin_view(accounts.two_step_reset_list),
                {"admin_site": self},
                name="two_step_reset_list",
            ),
            path(
                "two-step-reset/<int:user_id>/",
                self.admin_view(accounts.two_step_reset),
                {"admin_site": self},
                name="two_step_reset",
            ),
        ]
        # Ours replaces Django's shortcut, which redirects any staff member to any
        # object's get_absolute_url() without asking who may see the object.
        return urls + [
            url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"
        ]

    def view_on_site(self, request, content_type_id, object_id):
        """The "View on site" shortcut, asked through the object's admin: 404 unless the
        user may see the object there and its admin gives it a public address (an article
        only once readers can see it; see ArticleAdmin.view_on_site)."""
        from django.contrib.contenttypes.models import ContentType

        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            raise Http404("No such page.") from None
        model_admin = self._registry.get(model)
        if model_admin is None:
            raise Http404("No such page.")
        try:
            obj = model_admin.get_queryset(request).get(pk=object_id)
        except (ObjectDoesNotExist, ValueError, ValidationError):
            raise Http404("No such page.") from None
        if not model_admin.has_view_or_change_permission(request, obj):
            raise Http404("No such page.")
        url = public_address(model_admin, obj)
        if not url:
            raise Http404("This has no public page.")
        return HttpResponseRedirect(url)

    def autocomplete_view(self, request):
        return ThumbnailAutocompleteView.as_view(admin_site=self)(request)


class NewsroomAdminConfig(AdminConfig):
    default_site = "newsroom.admin_site.NewsroomAdminSite"
