"""Two people, one article: the second save from a stale copy is refused, nothing is lost."""

import datetime
import threading

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, Status
from tests.articles.test_admin_doors import change_url, form_data
from tests.factories import make_article, make_user


@pytest.fixture
def second_editor(db):
    return make_user("editor2", "Editor", first_name="Rania", last_name="Aziz")


@pytest.mark.django_db
def test_second_save_from_a_stale_copy_is_refused_and_keeps_the_text(client, editor, second_editor):
    article = make_article("Original headline")
    stale = form_data(article)  # both editors opened the form at version 1

    client.force_login(second_editor)
    assert (
        client.post(change_url(article), {**stale, "headline": "Rania's edit"}).status_code == 302
    )

    client.force_login(editor)
    response = client.post(change_url(article), {**stale, "headline": "My careful rewrite"})
    assert response.status_code == 200
    assert b"Rania Aziz changed this article at" in response.content
    assert b'value="My careful rewrite"' in response.content  # the text is still in the form
    article.refresh_from_db()
    assert article.headline == "Rania's edit"


@pytest.mark.django_db
def test_a_double_click_is_not_a_conflict(editor_client):
    article = make_article("Headline")
    data = form_data(article, headline="Sharper headline")
    assert editor_client.post(change_url(article), data).status_code == 302
    assert editor_client.post(change_url(article), data).status_code == 302  # same copy, again
    article.refresh_from_db()
    assert article.headline == "Sharper headline"


@pytest.mark.django_db
def test_a_scheduled_article_going_live_is_not_a_conflict(editor_client):
    article = make_article("Scheduled", published_at=timezone.now() + datetime.timedelta(minutes=5))
    data = form_data(article, headline="Scheduled, edited")
    # Its time comes while the form is open: nothing is written, so no version changes.
    Article.objects.filter(pk=article.pk).update(
        published_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert editor_client.post(change_url(article), data).status_code == 302


@pytest.mark.django_db
def test_a_workflow_step_in_between_makes_the_open_form_stale(editor_client, editor):
    article = make_article("Live")
    data = form_data(article, headline="Edited after takedown")
    services.unpublish(article, by=editor)
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert b"changed this article" in response.content


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between two connections: PostgreSQL"
)
def test_two_postgresql_transactions_racing_cannot_both_save(editor, second_editor):
    """The check holds in the database: the second transaction waits for the first's row
    lock, then sees the new version and is refused."""
    article = make_article("Race")
    loaded = article.version
    first_has_lock = threading.Event()
    outcome: dict[str, object] = {}

    def first():
        try:
            with transaction.atomic():
                copy = Article.objects.get(pk=article.pk)
                copy.headline = "First writer"
                services.save_article(copy, by=editor, expected_version=loaded)
                first_has_lock.set()
                # Hold the transaction open until the second writer is waiting on our lock.
                with connection.cursor() as cursor:
                    for _ in range(500):
                        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                        if cursor.fetchone()[0]:
                            break
                        threading.Event().wait(0.01)
            outcome["first"] = "saved"
        finally:
            connections.close_all()

    def second():
        try:
            first_has_lock.wait(10)
            copy = Article.objects.get(pk=article.pk)
            copy.headline = "Second writer"
            try:
                services.save_article(copy, by=second_editor, expected_version=loaded)
                outcome["second"] = "saved"
            except services.StaleEdit as stale:
                outcome["second"] = f"refused: {stale}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert outcome["first"] == "saved"
    assert str(outcome["second"]).startswith("refused: Editor changed this article")
    article.refresh_from_db()
    assert article.headline == "First writer"
    assert article.version == loaded + 1


@pytest.mark.django_db
def test_stale_edit_refused_by_the_service_itself(editor, second_editor):
    article = make_article("Service level")
    copy_a = Article.objects.get(pk=article.pk)
    copy_b = Article.objects.get(pk=article.pk)
    copy_a.headline = "A"
    services.save_article(copy_a, by=editor, expected_version=1)
    copy_b.headline = "B"
    with pytest.raises(services.StaleEdit):
        services.save_article(copy_b, by=second_editor, expected_version=1)
    assert Article.objects.get(pk=article.pk).headline == "A"
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED


@pytest.mark.django_db
def test_new_article_form_prefills_the_journalists_byline(journalist_client, journalist):
    from tests.factories import make_author

    profile = make_author("Leila Haddad", user=journalist)
    page = journalist_client.get(reverse("admin:articles_article_add"))
    assert page.status_code == 200
    assert f'<option value="{profile.pk}" selected>Leila Haddad</option>'.encode() in page.content


# --- issue 14: text put back after a refusal never replaces a newer save unseen --------


@pytest.mark.django_db
def test_a_save_that_does_not_name_its_version_is_refused(client, editor, second_editor):
    """Whatever the browser's script does, a POST without the version its text was written
    on cannot replace the saved article."""
    article = make_article("Original", body="<p>Opening.</p>")
    data = form_data(article)
    client.force_login(second_editor)
    theirs = {**data, "body": "<p>Opening.</p><p>Rania's paragraph.</p>"}
    assert client.post(change_url(article), theirs).status_code == 302

    client.force_login(editor)
    del data["loaded_version"]
    response = client.post(change_url(article), {**data, "body": "<p>Opening.</p><p>Mine.</p>"})
    assert response.status_code == 200
    assert b"did not say which version of the article your text was written on" in response.content
    article.refresh_from_db()
    assert "Rania's paragraph." in article.body and "Mine." not in article.body


@pytest.mark.django_db
def test_a_refused_save_shows_both_versions_side_by_side(client, editor, second_editor):
    article = make_article("Original", body="<p>Opening.</p>")
    stale = form_data(article)
    client.force_login(second_editor)
    client.post(change_url(article), {**stale, "body": "<p>Opening.</p><p>Rania's paragraph.</p>"})

    client.force_login(editor)
    response = client.post(change_url(article), {**stale, "body": "<p>Opening.</p><p>Mine.</p>"})
    assert response.status_code == 200
    panel = response.context["adminform"].form.conflict
    assert panel.saved_by == "Rania Aziz"
    body = next(d for d in panel.differences if d.label == "Body")
    assert [(str(r.mine), str(r.saved)) for r in body.rows if r.differs] == [
        ("<mark>Mine.</mark>", "<mark>Rania&#x27;s paragraph.</mark>")
    ]
    # Both paragraphs together, to finish by hand; and the saved body to take instead.
    assert body.combined_value == "<p>Opening.</p><p>Mine.</p><p>Rania's paragraph.</p>"
    assert body.saved_value == "<p>Opening.</p><p>Rania's paragraph.</p>"
    html = response.content.decode()
    assert "Saved by Rania Aziz" in html and "Your text" in html
    assert "Put both together" in html


@pytest.mark.django_db
def test_after_the_side_by_side_the_next_save_is_checked_against_the_version_shown(
    client, editor, second_editor
):
    article = make_article("Original", body="<p>Opening.</p>")
    stale = form_data(article)
    client.force_login(second_editor)
    client.post(change_url(article), {**stale, "body": "<p>Opening.</p><p>Rania's paragraph.</p>"})
    shown = Article.objects.get(pk=article.pk).version

    client.force_login(editor)
    refused = client.post(change_url(article), {**stale, "body": "<p>Mine.</p>"})
    # The refusal page's form is now written on the version it showed ...
    assert f'name="loaded_version" value="{shown}"'.encode() in refused.content
    # (while the text in it was written on the older one: a copy the browser keeps on
    # this page carries that one, so putting it back later is refused again)
    written_on = stale["loaded_version"]
    assert refused.context["adminform"].form.conflict.written_on == int(written_on)
    assert f'data-conflict-written-on="{written_on}"'.encode() in refused.content
    merged = "<p>Opening.</p><p>Mine.</p><p>Rania's paragraph.</p>"
    # ... so a save from it made after yet another save is refused again,
    client.force_login(second_editor)
    latest = Article.objects.get(pk=article.pk)
    client.post(change_url(article), {**form_data(latest), "headline": "Rania again"})
    client.force_login(editor)
    again = client.post(change_url(article), {**stale, "body": merged, "loaded_version": shown})
    assert again.status_code == 200 and again.context["adminform"].form.conflict
    # ... and a save from a page that showed the newest one goes through.
    newest = Article.objects.get(pk=article.pk)
    saved = client.post(change_url(article), {**form_data(newest), "body": merged})
    assert saved.status_code == 302
    newest.refresh_from_db()
    assert newest.body == merged and newest.headline == "Rania again"
