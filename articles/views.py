"""The readers' site. Every page starts from Article.objects.published()."""

import base64
import datetime

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from articles import detail, frontpage, keys, listing, previews, reads, related, seo
from articles import search as search_engine
from articles.context_processors import chrome_for
from articles.models import Article, ArticleRedirect
from newsroom.statements import planned_each_time


class FrontPageView(TemplateView):
    template_name = "articles/front_page.html"

    def get_context_data(self, **kwargs):
        page = frontpage.build(sections=chrome_for(self.request)["sections"])
        keys.show(keys.FRONT)
        return {
            **super().get_context_data(**kwargs),
            "page": page,
            "most_read": reads.most_read(),
            "meta": seo.page_meta(
                title=settings.SITE_NAME,
                description=f"The latest news from {settings.SITE_NAME}.",
                path="/",
            ),
        }


class ArticleListView(TemplateView):
    """A page of published stories, newest first (see articles/listing.py). Subclasses
    say which stories (`stories`, given stand-ins, as a compiled query) for which values
    (`values`, which also finds the page's subject or raises 404)."""

    def values(self) -> dict:
        return {}

    def stories(self, p):
        return Article.objects.published(at=p.now)

    def get_context_data(self, **kwargs):
        page = listing.cards_page(self.stories, self.request.GET.get("page"), **self.values())
        return {**super().get_context_data(**kwargs), "page_obj": page, "articles": page.items}


class SectionView(ArticleListView):
    template_name = "articles/section.html"

    def values(self):
        # The navigation already holds every section (kept in memory until one changes).
        sections = chrome_for(self.request)["sections"]
        self.section = next((s for s in sections if s.slug == self.kwargs["slug"]), None)
        if self.section is None:
            raise Http404("No such section.")
        keys.show(keys.section_list(self.section.pk))
        return {"section": self.section.pk}

    def stories(self, p):
        return Article.objects.published(at=p.now).filter(listing.in_section(p.section))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        section = self.section
        return {
            **context,
            "section": section,
            "most_read": reads.most_read(section_id=section.pk),
            "meta": seo.page_meta(
                title=f"{section.name} — {settings.SITE_NAME}",
                description=section.description or f"The latest {section.name} news.",
                path=section.get_absolute_url(),
                page=context["page_obj"].number,
            ),
        }


class TagView(ArticleListView):
    template_name = "articles/tag.html"

    def values(self):
        self.tag = listing.visible_tag_or_404(self.kwargs["slug"])
        keys.show(keys.tag(self.tag.pk), keys.tag_list(self.tag.pk))
        return {"tag": self.tag.pk}

    def stories(self, p):
        return Article.objects.published(at=p.now).tagged(p.tag, at=p.now)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {
            **context,
            "tag": self.tag,
            "meta": seo.page_meta(
                title=f"{self.tag.name} — {settings.SITE_NAME}",
                description=f"Stories about {self.tag.name}.",
                path=f"/tags/{self.tag.slug}/",
                page=context["page_obj"].number,
            ),
        }


class SearchView(TemplateView):
    template_name = "articles/search.html"

    def get_context_data(self, **kwargs):
        query = search_engine.parse(self.request.GET.get("q"))
        with planned_each_time():  # how to find a word's matches depends on the word
            page = listing.page_of(search_engine.search(query), self.request.GET.get("page"))
            articles = search_engine.load(page.items, query)
        keys.show(keys.SEARCH)
        keys.show_cards(articles)
        return {
            **super().get_context_data(**kwargs),
            "query": query,
            "page_obj": page,
            "articles": articles,
            "meta": seo.page_meta(
                title=f"Search{': ' + query.text if query.text else ''} — {settings.SITE_NAME}",
                description=f"Search {settings.SITE_NAME}.",
                path="/search/",
                noindex=True,
            ),
        }


class CorrectionsView(TemplateView):
    template_name = "articles/corrections.html"

    def get_context_data(self, **kwargs):
        notes = (
            listing.public_corrections()
            .select_related("article")
            .only(
                "kind",
                "text",
                "created_at",
                "article__headline",
                "article__slug",
                "article__published_at",
            )  # fmt: skip
        )
        page = listing.page_of(notes, self.request.GET.get("page"))
        keys.show(keys.CORRECTIONS, *(keys.article(note.article_id) for note in page.items))
        return {
            **super().get_context_data(**kwargs),
            "page_obj": page,
            "corrections": page.items,
            "meta": seo.page_meta(
                title=f"Corrections and updates — {settings.SITE_NAME}",
                description="Every correction, clarification and update we have published.",
                path="/corrections/",
                page=page.number,
            ),
        }


# --- the article --------------------------------------------------------------------


def _day(year: str, month: str, day: str) -> datetime.date:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise Http404("No such date.") from None


def article_detail(request, year, month, day, slug):
    date = _day(year, month, day)
    article = detail.published_article(slug, now=timezone.now())
    if article is None:
        response = _old_address(request.path)
        if response is None:
            raise Http404("No such article.")
        return response
    if timezone.localtime(article.published_at).date() != date:
        # The slug's story under another date: the old address of a story that lost this
        # slug while it was deleted goes to that story; otherwise it is this story's own
        # address with a wrong (old) date.
        return _old_address(request.path) or HttpResponsePermanentRedirect(
            article.get_absolute_url()
        )
    return render_article(request, article)


def _old_address(path: str) -> HttpResponsePermanentRedirect | None:
    redirect = (
        ArticleRedirect.objects.filter(old_path=path, article__in=Article.objects.published())
        .select_related("article")
        .first()
    )
    if redirect is None:
        return None
    keys.show(keys.article(redirect.article_id))
    return HttpResponsePermanentRedirect(redirect.article.get_absolute_url())


def render_article(request, article: Article, *, preview: bool = False):
    context = {
        "article": article,
        "related": [] if preview else related.for_page(article),
        # The most read of the story's own section (a published story always has one).
        "most_read": [] if preview else reads.most_read(section_id=article.primary_section_id),
        "preview": preview,
        "meta": seo.article_meta(article),
        "jsonld": seo.article_jsonld(article),
    }
    response = render(request, "articles/article_detail.html", context)
    if preview:
        add_never_cache_headers(response)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# A transparent 1×1 GIF: what the read beacon answers, to every request alike.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@require_safe
def read_beacon(request, pk: int):
    """Counts a read of story `pk` (articles/reads.py). The same image for any id, never
    cached: a page served from a proxy's cache still sends it."""
    if reads.is_a_read(request):
        reads.count_read(pk)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


def preview_link(request, token):
    """A draft shown through a signed, expiring link; anything else is a 404."""
    article = previews.article_for(token)
    if article is None:
        raise Http404("This preview link is not valid or has expired.")
    return render_article(request, article, preview=True)


def not_found(request, exception=None):
    keys.show(keys.MISSING)
    return render(
        request,
        "404.html",
        {"meta": seo.page_meta(title=f"Page not found — {settings.SITE_NAME}", noindex=True)},
        status=404,
    )
