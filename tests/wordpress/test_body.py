"""A WordPress post's HTML becomes what our body keeps (wordpress/body.py)."""

from wordpress import body


def test_gutenberg_block_comments_are_removed_and_their_content_kept():
    source = (
        "<!-- wp:paragraph -->\n<p>One.</p>\n<!-- /wp:paragraph -->\n"
        '<!-- wp:site-logo {"shouldSyncIcon":true} /-->\n'
        "<!-- wp:heading -->\n<h2>Two</h2>\n<!-- /wp:heading -->"
    )
    assert body.convert(source).html == "<p>One.</p>\n<h2>Two</h2>"


def test_classic_paragraphs_written_as_blank_lines_become_paragraphs():
    converted = body.convert("First line\nsame paragraph.\n\nSecond <strong>one</strong>.")
    assert (
        converted.html
        == "<p>First line<br>\nsame paragraph.</p>\n<p>Second <strong>one</strong>.</p>"
    )


def test_headings_are_demoted_so_the_headline_is_the_only_h1():
    converted = body.convert("<h1>A</h1>\n\n<h2>B</h2>\n\n<h3>C</h3>\n\n<h5>D</h5>")
    assert converted.html == "<h2>A</h2>\n<h3>B</h3>\n<h4>C</h4>\n<h4>D</h4>"
    # A post that already starts at h2 keeps its levels.
    assert body.convert("<h2>A</h2>\n\n<h3>B</h3>").html == "<h2>A</h2>\n<h3>B</h3>"


def test_a_caption_keeps_its_text_and_the_image_is_counted_as_left_out():
    source = (
        '[caption id="attachment_9" align="alignleft" width="300"]<img src="https://old.example'
        '/a.jpg" alt="A boat" /> A boat on the Nile.[/caption]\n\nAfter.\n\n'
        '[caption caption="Said in the attribute"]<img src="b.jpg">[/caption]'
    )
    converted = body.convert(source)
    assert "<p><em>A boat on the Nile.</em></p>" in converted.html
    assert "<p><em>Said in the attribute</em></p>" in converted.html
    assert "<img" not in converted.html and "[caption" not in converted.html
    assert converted.captions_as_text == 2


def test_embeds_become_paragraphs_with_a_link():
    classic = body.convert(
        "Watch:\n\nhttps://www.youtube.com/watch?v=abc\n\n[embed]https://vimeo.com/1[/embed]"
    )
    assert '<p><a href="https://www.youtube.com/watch?v=abc" rel="noopener">' in classic.html
    assert '<a href="https://vimeo.com/1" rel="noopener">https://vimeo.com/1</a>' in classic.html
    assert classic.embeds_as_links == 2
    blocks = body.convert(
        '<!-- wp:embed {"url":"https://twitter.com/x/status/1"} -->\n<figure class="wp-block-embed'
        ' is-provider-twitter"><div class="wp-block-embed__wrapper">\nhttps://twitter.com/x/'
        "status/1\n</div><figcaption>A tweet</figcaption></figure>\n<!-- /wp:embed -->"
    )
    assert blocks.html == (
        '<p><a href="https://twitter.com/x/status/1" rel="noopener">'
        "https://twitter.com/x/status/1</a></p>"
    )
    assert blocks.embeds_as_links == 1


def test_known_shortcodes_are_removed_and_unknown_bracketed_words_are_left_and_reported():
    converted = body.convert(
        'Before.\n\n[gallery ids="1,2"]\n\n[audio src="x.mp3"][/audio] He said [sic] [simple boat].'
    )
    assert "[gallery" not in converted.html and "[audio" not in converted.html
    assert "[sic] [simple boat]" in converted.html
    assert converted.shortcodes_removed == {"gallery": 1, "audio": 1}
    assert converted.shortcodes_left == {"sic": 1, "simple": 1}


def test_anything_outside_the_allow_list_is_cleaned_as_on_the_desk():
    converted = body.convert(
        '<p onclick="x()">Hi<script>alert(1)</script></p><iframe src="//e"></iframe>'
    )
    assert converted.html == "<p>Hi</p>"


def test_the_standfirst_is_the_excerpt_or_the_opening_cut_at_a_word():
    assert body.plain_excerpt("<p>The <em>excerpt</em>.</p>", "<p>Body</p>") == "The excerpt."
    long_body = "<p>" + "word " * 200 + "</p>"
    standfirst = body.plain_excerpt("", long_body)
    assert standfirst.endswith("word…") and len(standfirst) <= 301
