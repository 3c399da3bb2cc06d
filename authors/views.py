from django.conf import settings
from django.db.models import prefetch_related_objects

from articles import keys
from articles.listing import by_author, subject_or_404
from articles.models import Article
from articles.seo import page_meta
from articles.views import ArticleListView
from authors.models import Author


class AuthorView(ArticleListView):
    """An author's profile and their published stories, newest first."""

    template_name = "authors/author_detail.html"

    def values(self):
        self.author = subject_or_404(Author, self.kwargs["slug"])
        prefetch_related_objects([self.author], "links")
        keys.show(keys.author(self.author.pk), keys.author_list(self.author.pk))
        return {"author": self.author.pk}

    def stories(self, p):
        return Article.objects.published(at=p.now).filter(by_author(p.author))

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
                page=context["page_obj"].number,
            ),
        }
