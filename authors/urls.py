from django.urls import path

from articles.feeds import AuthorFeed
from authors.views import AuthorView

app_name = "authors"

urlpatterns = [
    path("<str:slug>/", AuthorView.as_view(), name="detail"),
    path("<str:slug>/feed/", AuthorFeed(), name="feed"),
]
