from django.conf import settings
from django.shortcuts import get_object_or_404

from articles.listing import by_author
from articles.models import Article
from articles.seo import page_meta
from articles.views import ArticleListView
from authors.models import Author


class AuthorView(ArticleListView):
    """An author's profile and their published stories, newest first."""

    template_name = "authors/author_detail.html"

    def articles(self):
        self.author = get_object_or_404(Author.objects.for_profile(), slug=self.kwargs["slug"])
        return Article.objects.published().filter(by_author(self.author))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        author = self.author
        return {
            **context,
            "author": author,
            "meta": page_meta(
                title=f"{author.name} — {settings.SITE_NAME}",
                description=author.bio[:200] or f"Stories by {author.name}.",
                path=author.get_absolute_url(),
                page=self.request.GET.get("page"),
            ),
        }
