"""sitemap.xml (every published article, section, author and tag page) and the Google
News sitemap (articles of the last 48 hours, at most 1,000)."""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as django_sitemaps
from django.contrib.sitemaps.views import SitemapIndexItem
from django.db.models import Max, Q
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from articles import keys
from articles.listing import page_number, public_tags
from articles.models import Article, Section
from authors.models import Author
from newsroom.site import absolute_url

NEWS_WINDOW = datetime.timedelta(hours=48)
NEWS_LIMIT = 1000


class SiteSitemap(Sitemap):
    """Addresses from SITE_URL, not from the request."""

    limit = 5000

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme


class ArticleSitemap(SiteSitemap):
    changefreq = "daily"

    def items(self):
        return (
            Article.objects.published()
            .only("slug", "published_at", "updated_at")
            .order_by("-published_at", "-id")
        )

    def lastmod(self, article):
        return max(filter(None, [article.updated_at, article.published_at]))


class SectionSitemap(SiteSitemap):
    changefreq = "hourly"
    priority = 0.8

    def items(self):
        return (
            Section.objects.annotate(
                latest=Max("articles__published_at", filter=_visible("articles"))
            )
            .filter(latest__isnull=False)
            .order_by("position", "name")
        )

    def lastmod(self, section):
        return section.latest


class AuthorSitemap(SiteSitemap):
    changefreq = "daily"

    def items(self):
        return (
            Author.objects.annotate(
                latest=Max("bylines__article__published_at", filter=_visible("bylines__article"))
            )
            .filter(latest__isnull=False)
            .order_by("name")
        )

    def lastmod(self, author):
        return author.latest


class TagSitemap(SiteSitemap):
    changefreq = "daily"

    def items(self):
        return (
            public_tags()
            .annotate(
                latest=Max(
                    "articles_taggedarticle_items__content_object__published_at",
                    filter=_visible("articles_taggedarticle_items__content_object"),
                )
            )
            .order_by("name")
        )

    def location(self, tag):
        return f"/tags/{tag.slug}/"

    def lastmod(self, tag):
        return tag.latest


def _visible(path: str) -> Q:
    """Only articles readers may see, reached from another model through `path`."""
    return Q(**{f"{path}__in": Article.objects.published().values("pk")})


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "authors": AuthorSitemap,
    "tags": TagSitemap,
}


def sitemap_section(request, section):
    """One sitemap, as Django serves it, its `?p=` read by the parser of every paginated
    page (Django's own takes "٣" for 3)."""
    page_number(request.GET.get("p"))
    keys.show(keys.SITEMAP)
    return django_sitemaps.sitemap(request, sitemaps=SITEMAPS, section=section)


def news_sitemap(request):
    keys.show(keys.SITEMAP)
    since = timezone.now() - NEWS_WINDOW
    articles = (
        Article.objects.published()
        .filter(published_at__gte=since)
        .prefetch_related("tags")
        .only("headline", "slug", "published_at")
        .newest_first()[:NEWS_LIMIT]
    )
    return render(
        request,
        "sitemaps/news.xml",
        {"articles": articles, "SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL},
        content_type="application/xml; charset=utf-8",
    )


def sitemap_index(request):
    """Like Django's index view, but every address from SITE_URL."""
    keys.show(keys.SITEMAP)
    items = []
    for name, sitemap_class in SITEMAPS.items():
        location = absolute_url(reverse("sitemap_section", kwargs={"section": name}))
        for page in range(1, sitemap_class().paginator.num_pages + 1):
            items.append(SitemapIndexItem(location + (f"?p={page}" if page > 1 else ""), None))
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml"
    )
