"""The project's URLs plus the same article list written with Django REST framework and
drf-spectacular (bench/api.py compares the two libraries on it)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api import present, reads
from newsroom.urls import urlpatterns as project_urls


class SectionRef(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField()


class AuthorRef(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    profile_url = serializers.CharField()
    api_url = serializers.CharField()


class Rendition(serializers.Serializer):
    url = serializers.CharField()
    media_type = serializers.CharField()
    crop = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class PhotoOut(serializers.Serializer):
    alt_text = serializers.CharField()
    caption = serializers.CharField()
    credit = serializers.CharField()
    rights = serializers.CharField()
    rights_label = serializers.CharField()
    licence = serializers.CharField()
    copyright_notice = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    renditions = Rendition(many=True)


class StoryCard(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    api_url = serializers.CharField()
    headline = serializers.CharField()
    standfirst = serializers.CharField()
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    primary_section = SectionRef(allow_null=True)
    bylines = AuthorRef(many=True)
    lead_photo = PhotoOut(allow_null=True)


class StoryPage(serializers.Serializer):
    items = StoryCard(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class ArticleList(APIView):
    """The same reads (api/reads.py) and the same dicts (api/present.py) as the django-ninja
    endpoint: only the library's own work differs."""

    def get(self, request):
        limit = int(request.query_params.get("limit", 20))
        found = reads.stories(reads.StoryFilters(after=request.query_params.get("cursor")),
                              limit=limit)  # fmt: skip
        data = {"items": [present.article_summary(s) for s in found.items],
                "next_cursor": found.next_cursor}  # fmt: skip
        return Response(StoryPage(data).data)


urlpatterns = [
    path("drf/articles", ArticleList.as_view()),
    path("drf/schema", SpectacularAPIView.as_view()),
    *project_urls,
]
