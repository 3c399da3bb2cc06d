"""The body's HTML is cleaned by an allow-list at every save, whatever the browser sent."""

import pytest

from articles import richtext, services
from articles.models import Article
from tests.factories import make_article

XSS = [
    '<script>alert("x")</script>',
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<p onclick="alert(1)" style="background:url(javascript:alert(1))">x</p>',
    '<iframe src="https://evil.example"></iframe>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "<p>unclosed <b>markup <a href='https://ok.example'>link",
    '<object data="x.swf"></object><embed src="x.swf">',
    "<style>body{display:none}</style>",
    "<form action=https://evil.example><input name=x></form>",
]


@pytest.mark.parametrize("payload", XSS)
def test_sanitize_makes_every_payload_inert(payload):
    cleaned = richtext.sanitize(payload).lower()
    for bad in ("<script", "onerror", "onload", "onclick", "javascript:", "data:", "<svg",
                "<iframe", "<style", "<object", "<embed", "<form", "<input", "style="):  # fmt: skip
        assert bad not in cleaned, (payload, cleaned)


def test_allowed_formatting_survives():
    body = (
        "<h2>Heading</h2><p><strong>bold</strong> <em>it</em> "
        '<a href="https://example.com" title="t">link</a></p>'
        "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote><p>quote</p></blockquote>"
    )
    cleaned = richtext.sanitize(body)
    for kept in ("<h2>", "<strong>", "<em>", 'href="https://example.com"', "<ul>", "<ol>",
                 "<blockquote>"):  # fmt: skip
        assert kept in cleaned
    assert 'rel="noopener"' in cleaned


def test_h1_in_the_body_is_dropped_to_keep_one_h1_per_page():
    assert "<h1" not in richtext.sanitize("<h1>Big</h1><p>x</p>")


def test_empty_editor_is_an_empty_body():
    assert richtext.sanitize("<p></p>") == ""
    assert richtext.sanitize("<p><br></p>") == ""


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS[:4])
def test_no_payload_survives_a_save(editor, payload):
    article = make_article(body=payload)
    assert "<script" not in Article.objects.get(pk=article.pk).body
    article.body = payload
    services.save_article(article, by=editor)
    stored = Article.objects.get(pk=article.pk).body.lower()
    assert "<script" not in stored and "onerror" not in stored and "javascript:" not in stored


def test_plain_text_for_search_has_no_markup_or_markers():
    text = richtext.to_text("<p>One &amp; two</p><p>three\ue000four</p>")
    assert text == "One & two\nthreefour"
