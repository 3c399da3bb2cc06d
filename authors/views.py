from django.conf import settings
from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from articles.seo import page_meta
from authors.models import Author


class AuthorView(ListView):
    """An author's profile and their published stories, newest first."""

    template_name = "authors/author_detail.html"
    paginate_by = 20
    context_object_name = "articles"

    def get_queryset(self):
        self.author = get_object_or_404(Author.objects.for_profile(), slug=self.kwargs["slug"])
        return self.author.articles.published().for_listing().newest_first()

    def get_context_data(self, **kwargs):
        author = self.author
        return {
            **super().get_context_data(**kwargs),
            "author": author,
            "meta": page_meta(
                title=f"{author.name} — {settings.SITE_NAME}",
                description=author.bio[:200] or f"Stories by {author.name}.",
                path=author.get_absolute_url(),
                page=self.request.GET.get("page"),
            ),
        }
