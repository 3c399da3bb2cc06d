from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from api.routes import api
from articles.sitemaps import news_sitemap, sitemap_index, sitemap_section
from newsroom import views
from newsroom.accounts import ThrottledPasswordResetView
from newsroom.health import healthz
from newsroom.security import serve_media

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon),
    path("sitemap.xml", sitemap_index, name="sitemap_index"),
    path("sitemap-<section>.xml", sitemap_section, name="sitemap_section"),
    path("news-sitemap.xml", news_sitemap, name="news_sitemap"),
    path(
        "admin/password_reset/",
        ThrottledPasswordResetView.as_view(),
        name="admin_password_reset",
    ),
    path(
        "admin/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "admin/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "admin/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("authors/", include("authors.urls")),
    path("newsletter/anymail/", include("anymail.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("", include("articles.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve_media),
    ]

handler404 = "articles.views.not_found"
handler500 = "newsroom.views.server_error"
