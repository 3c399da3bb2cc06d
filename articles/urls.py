from django.urls import path, re_path

from articles import feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.FrontPageView.as_view(), name="front"),
    path("section/<slug:slug>/", views.SectionView.as_view(), name="section"),
    path("section/<slug:slug>/feed/", feeds.SectionFeed(), name="section_feed"),
    path("tags/<str:slug>/", views.TagView.as_view(), name="tag"),
    path("tags/<str:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feed/", feeds.ArticleFeed(), name="feed"),
    path("corrections/", views.CorrectionsView.as_view(), name="corrections"),
    path("corrections/feed/", feeds.CorrectionsFeed(), name="corrections_feed"),
    path("r/<int:pk>.gif", views.read_beacon, name="read"),
    path("preview/<str:token>/", views.preview_link, name="preview"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-\w]+)/$",
        views.article_detail,
        name="detail",
    ),
]
