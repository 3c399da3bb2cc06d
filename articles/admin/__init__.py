from articles.admin import articles, frontpage, photos, taxonomy  # noqa: F401 - registers admins
