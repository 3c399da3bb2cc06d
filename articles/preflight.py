"""The checks an article must pass before it is published or scheduled.

The editor sees them on the publish page; services.publish() runs them again on the
server whatever the form sent.
"""

from dataclasses import dataclass

from articles.models import Article, ArticleRedirect


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    problem: str = ""


def run(article: Article) -> list[Check]:
    """Every check, passed or not, in the order the editor reads them."""
    checks = [
        Check("Headline", bool(article.headline.strip()), "Write a headline."),
        Check(
            "Standfirst",
            bool(article.standfirst.strip()),
            "Write a standfirst: one or two sentences that sum up the story.",
        ),
        Check(
            "Primary section",
            article.primary_section_id is not None,
            "Choose the primary section.",
        ),
        Check(
            "Byline",
            article.pk is not None and article.bylines.exists(),
            "Add at least one author.",
        ),
        Check("Body", bool(article.body.strip()), "The story has no text."),
    ]
    photo = article.lead_photo
    if photo is not None:
        checks += [
            Check("Lead photo: alt text", bool(photo.alt_text.strip()), "Describe the photo."),
            Check(
                "Lead photo: credit",
                bool(photo.public_credit),
                "Give the lead photo a credit line or an agency.",
            ),
            Check(
                "Lead photo: usage rights",
                not photo.rights_lapsed(),
                f"The rights to the lead photo ran out on {photo.usable_until:%d %B %Y}; "
                "choose another photo."
                if photo.usable_until
                else "",
            ),
        ]
    slug_taken = (
        Article.objects.filter(slug=article.slug).exclude(pk=article.pk).exists()
        if article.slug
        else False
    )
    checks.append(
        Check(
            "Address",
            bool(article.slug) and not slug_taken,
            f"Another article already uses the address “{article.slug}”; change the slug."
            if article.slug
            else "The article has no address (slug).",
        )
    )
    return checks


def problems(article: Article) -> list[str]:
    return [check.problem for check in run(article) if not check.ok]


def what_changes(article: Article, *, at) -> dict:
    """What publishing (at `at`) will do: the address, and the lists and feeds it joins."""
    path = article.public_path(at=at)
    sections = article.all_sections
    tags = list(article.tags.all())
    authors = article.byline_authors
    feeds = ["/feed/"]
    feeds += [f"{section.get_absolute_url()}feed/" for section in sections]
    feeds += [f"{author.get_absolute_url()}feed/" for author in authors]
    feeds += [f"/tags/{tag.slug}/feed/" for tag in tags]
    return {
        "path": path,
        "old_path": article.public_path() if article.published_at else None,
        "redirect_taken": ArticleRedirect.objects.filter(old_path=path)
        .exclude(article=article)
        .exists(),
        "sections": sections,
        "authors": authors,
        "tags": tags,
        "feeds": feeds,
        "sitemaps": ["/sitemap.xml", "/news-sitemap.xml"],
    }
