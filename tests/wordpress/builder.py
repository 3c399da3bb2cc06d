"""Small WordPress exports written at test time (the Theme Unit Test is read by path)."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from tests.support import SHARED_FIXTURES

# WordPress's Theme Unit Test export, read from the shared fixtures (never copied into the
# project); WORDPRESS_THEME_UNIT_TEST overrides.
THEME_UNIT_TEST = Path(
    os.environ.get("WORDPRESS_THEME_UNIT_TEST")
    or SHARED_FIXTURES / "wordpress" / "themeunittestdata.wordpress.xml"
)
SITE = "https://old.example"


@dataclass
class Post:
    wp_id: int
    title: str = "A story"
    content: str = "First paragraph.\n\nSecond paragraph."
    status: str = "publish"
    slug: str = ""
    date: str = "2024-05-12 09:30:00"
    creator: str = "amina"
    categories: list[tuple[str, str]] = field(default_factory=lambda: [("news", "News")])
    tags: list[tuple[str, str]] = field(default_factory=list)
    thumbnail: int | None = None
    post_type: str = "post"
    parent: int = 0
    attachment_url: str = ""
    excerpt: str = ""
    meta: dict[str, str] = field(default_factory=dict)

    def link(self) -> str:
        if self.post_type == "attachment":
            return f"{SITE}/2024/05/12/parent/{self.slug or self.wp_id}/"
        if self.status != "publish":
            return f"{SITE}/?p={self.wp_id}"
        day = self.date[:10].replace("-", "/")
        return f"{SITE}/{day}/{self.slug or 'post-' + str(self.wp_id)}/"

    def xml(self) -> str:
        terms = "".join(
            f'<category domain="category" nicename="{n}"><![CDATA[{name}]]></category>'
            for n, name in self.categories
        ) + "".join(
            f'<category domain="post_tag" nicename="{n}"><![CDATA[{name}]]></category>'
            for n, name in self.tags
        )
        meta = dict(self.meta)
        if self.thumbnail:
            meta["_thumbnail_id"] = str(self.thumbnail)
        metas = "".join(
            f"<wp:postmeta><wp:meta_key>{k}</wp:meta_key>"
            f"<wp:meta_value><![CDATA[{v}]]></wp:meta_value></wp:postmeta>"
            for k, v in meta.items()
        )
        attachment = (
            f"<wp:attachment_url>{escape(self.attachment_url)}</wp:attachment_url>"
            if self.attachment_url
            else ""
        )
        return f"""
<item>
  <title>{escape(self.title)}</title>
  <link>{self.link()}</link>
  <dc:creator><![CDATA[{self.creator}]]></dc:creator>
  <guid isPermaLink="false">{SITE}/?p={self.wp_id}</guid>
  <content:encoded><![CDATA[{self.content}]]></content:encoded>
  <excerpt:encoded><![CDATA[{self.excerpt}]]></excerpt:encoded>
  <wp:post_id>{self.wp_id}</wp:post_id>
  <wp:post_date>{self.date}</wp:post_date>
  <wp:post_date_gmt>{self.date}</wp:post_date_gmt>
  <wp:post_name>{escape(self.slug)}</wp:post_name>
  <wp:status>{self.status}</wp:status>
  <wp:post_parent>{self.parent}</wp:post_parent>
  <wp:post_type>{self.post_type}</wp:post_type>
  <wp:post_password></wp:post_password>
  {attachment}{terms}{metas}
</item>"""


def wxr(*items: Post, categories=(("news", "News"),), tags=(), version="1.2") -> str:
    cats = "".join(
        f"<wp:category><wp:term_id>{i}</wp:term_id><wp:category_nicename>{n}"
        f"</wp:category_nicename><wp:category_parent></wp:category_parent>"
        f"<wp:cat_name><![CDATA[{name}]]></wp:cat_name></wp:category>"
        for i, (n, name) in enumerate(categories, start=1)
    )
    tag_xml = "".join(
        f"<wp:tag><wp:term_id>{100 + i}</wp:term_id><wp:tag_slug>{n}</wp:tag_slug>"
        f"<wp:tag_name><![CDATA[{name}]]></wp:tag_name></wp:tag>"
        for i, (n, name) in enumerate(tags)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/{version}/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/{version}/">
<channel>
<title>Old Times</title>
<link>{SITE}</link>
<wp:wxr_version>{version}</wp:wxr_version>
<wp:base_blog_url>{SITE}</wp:base_blog_url>
<wp:author><wp:author_login>amina</wp:author_login><wp:author_email>a@old.example</wp:author_email>
<wp:author_display_name><![CDATA[Amina Yusuf]]></wp:author_display_name>
<wp:author_first_name>Amina</wp:author_first_name><wp:author_last_name>Yusuf</wp:author_last_name>
</wp:author>
{cats}{tag_xml}
{"".join(item.xml() for item in items)}
</channel>
</rss>
"""


def write(tmp_path, text: str, name: str = "export.xml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
