"""The admin site: the desk's workplace."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView


class ThumbnailAutocompleteView(AutocompleteJsonView):
    """Admin autocomplete that also sends a thumbnail for objects that have one (photos),
    so the lead-photo chooser shows the picture and its credit while choosing."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        thumbnail = getattr(obj, "admin_thumbnail_url", None)
        if thumbnail:
            result["thumb"] = thumbnail
        return result


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
        return urls + super().get_urls()

    def autocomplete_view(self, request):
        return ThumbnailAutocompleteView.as_view(admin_site=self)(request)


class NewsroomAdminConfig(AdminConfig):
    default_site = "newsroom.admin_site.NewsroomAdminSite"
