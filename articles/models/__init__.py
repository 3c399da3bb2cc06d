from articles.models.articles import (
    TRANSITIONS,
    Article,
    ArticleEvent,
    ArticleQuerySet,
    ArticleRedirect,
    Byline,
    Correction,
    CorrectionKind,
    EventAction,
    InvalidTransition,
    Status,
    TaggedArticle,
)
from articles.models.frontpage import BreakingNews, FrontPageSlot
from articles.models.photos import Photo, PhotoQuerySet, UsageRights
from articles.models.reads import MostRead, StoryReads
from articles.models.revisions import RevisionSnapshot
from articles.models.taxonomy import Agency, Section

__all__ = [
    "TRANSITIONS",
    "Agency",
    "Article",
    "ArticleEvent",
    "ArticleQuerySet",
    "ArticleRedirect",
    "BreakingNews",
    "Byline",
    "Correction",
    "CorrectionKind",
    "EventAction",
    "FrontPageSlot",
    "InvalidTransition",
    "MostRead",
    "Photo",
    "RevisionSnapshot",
    "PhotoQuerySet",
    "Section",
    "Status",
    "StoryReads",
    "TaggedArticle",
    "UsageRights",
]
