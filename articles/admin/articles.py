"""The article editor and list: where journalists write and editors publish."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from js_asset import Media as JsMedia

from articles import conflicts, permissions, preflight, services
from articles.admin import workflow
from articles.forms import ArticleForm
from articles.models import Article, Byline


class StateFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("returned", "Returned to journalist"),
            ("review", "In review"),
            ("scheduled", "Scheduled"),
            ("live", "Published (live)"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "draft":
            return queryset.drafts()
        if value == "returned":
            return queryset.drafts().filter(events__action="returned").distinct()
        if value == "review":
            return queryset.in_review()
        if value == "scheduled":
            return queryset.scheduled()
        if value == "live":
            return queryset.published()
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = "whose"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", "My articles")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            user = request.user
            return queryset.filter(Q(created_by=user) | Q(bylines__author__user=user)).distinct()
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    change_form_template = "admin/articles/article/change_form.html"
    list_display = [
        "headline",
        "state",
        "section_names",
        "byline_names",
        "published_at",
        "last_edited_by",
        "updated_at",
        "reads_today",
        "reads_week",
    ]
    list_display_links = ["headline"]
    list_filter = [
        StateFilter,
        MineFilter,
        "primary_section",
        ("bylines__author", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["headline", "standfirst"]
    ordering = ["-created_at"]
    list_per_page = 50
    autocomplete_fields = ["lead_photo", "agencies"]
    save_as = False
    save_on_top = True
    readonly_fields = [
        "state_summary",
        "workflow_history",
        "published_at",
        "first_published_at",
        "updated_at",
        "created_by",
        "last_edited_by",
        "reads",
    ]
    fieldsets = [
        (None, {"fields": ["headline", "standfirst", "body"]}),
        ("Photo", {"fields": ["lead_photo"]}),
        ("Sections and tags", {"fields": ["primary_section", "sections", "tags"]}),
        ("Bylines and sources", {"fields": ["bylines", "agencies"]}),
        ("Address", {"fields": ["slug"], "classes": ["collapse"]}),
        (
            "Status",
            {
                "fields": [
                    "state_summary",
                    "workflow_history",
                    "published_at",
                    "first_published_at",
                    "updated_at",
                    "created_by",
                    "last_edited_by",
                    "loaded_version",
                    "reads",
                ]
            },
        ),
    ]
    actions = ["delete_selected_safely"]

    class Media:
        css = {"all": ["admin/css/newsroom.css"]}
        # After the admin's jQuery (django.jQuery), which the photo chooser extends; the
        # admin itself puts jquery.js (or .min.js) before jquery.init.js.
        js = ["admin/js/jquery.init.js", "admin/js/article_editor.js"]

    # --- what each person sees ---------------------------------------------------------

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("primary_section", "last_edited_by")
            .with_reads(now=timezone.now())
            .prefetch_related(
                "sections", Prefetch("bylines", queryset=Byline.objects.select_related("author"))
            )
        )
        return permissions.visible_in_admin(request.user, queryset)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return permissions.can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return permissions.can_delete(request.user, obj)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return super().has_view_permission(request)
        return permissions.can_view(request.user, obj)

    def view_on_site(self, article):
        """The public address only once readers can see the story: a draft or an embargoed
        story has no "View on site" (its Preview button shows it), and the admin's
        /admin/r/ shortcut answers 404 for it (newsroom/admin_site.py)."""
        return article.public_path() if article.is_visible() else None

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # ours obeys the per-article rules
        return actions

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.editing_user = request.user
        if "tags" in form.base_fields:
            form.base_fields["tags"].widget.attrs["data-suggest-url"] = reverse(
                "admin:articles_article_tag_suggestions"
            )
        return form

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        profile = getattr(request.user, "author_profile", None)
        if profile is not None and profile.is_active:
            initial.setdefault("bylines", [profile.pk])
        return initial

    # --- list columns ------------------------------------------------------------------

    @admin.display(description="status", ordering="status")
    def state(self, article):
        return article.state_label

    @admin.display(description="sections")
    def section_names(self, article):
        return ", ".join(section.name for section in article.all_sections)

    # Reads counted on the readers' site, rolled up every few minutes (articles/reads.py).
    @admin.display(description="reads today", ordering="reads_today")
    def reads_today(self, article):
        return article.reads_today

    @admin.display(description="reads, 7 days", ordering="reads_week")
    def reads_week(self, article):
        return article.reads_week

    @admin.display(description="reads")
    def reads(self, article):
        if article.pk is None:
            return "—"
        return f"{article.reads_today} today, {article.reads_week} in the last 7 days"

    @admin.display(description="version")
    def loaded_version(self, article):
        return article.version

    @admin.display(description="bylines")
    def bylines(self, article):
        return self.byline_names(article)

    @admin.display(description="bylines")
    def byline_names(self, article):
        return ", ".join(author.name for author in article.byline_authors)

    @admin.display(description="status")
    def state_summary(self, article):
        if article.pk is None:
            return "Draft (not saved yet)"
        label = article.state_label
        if article.is_scheduled:
            when = timezone.localtime(article.published_at)
            return f"Scheduled for {when:%d %B %Y, %H:%M}"
        if article.is_live_or_scheduled:
            return format_html(
                '{} — <a href="{}">view on site</a>', label, article.get_absolute_url()
            )
        return label

    @admin.display(description="workflow")
    def workflow_history(self, article):
        """The latest steps, newest first; the History page has them all."""
        if article.pk is None:
            return "—"
        events = article.events.select_related("actor")[:8]
        rows = format_html_join(
            "",
            "<li>{} — {} by {}{}</li>",
            (
                (
                    date_format(timezone.localtime(event.at), "j M Y, H:i"),
                    event.get_action_display(),
                    event.actor.get_full_name() or event.actor.get_username(),
                    f": “{event.note[:120]}”" if event.note else "",
                )
                for event in events
            ),
        )
        return format_html('<ul class="newsroom-events">{}</ul>', rows) if events else "—"

    # --- saving goes through the service -----------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_saveasnew" in request.POST:
            raise PermissionDenied("“Save as new” is not available for articles.")
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.StaleEdit:
            # Someone saved between our form check and our write (the transaction was
            # rolled back). Show the form again: its check now reports the conflict and
            # keeps the text that was typed.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        services.save_article(
            obj,
            by=request.user,
            expected_version=data.get("loaded_version") if change else None,
            **{
                field.name: data.get(conflicts.form_name(field)) or []
                for field in Article.content_fields()
                if field.many_to_many
            },
        )

    def save_related(self, request, form, formsets, change):
        # Relations were saved by services.save_article() with the rest of the content.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.delete_article(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            services.delete_article(article, by=request.user)

    def get_deleted_objects(self, objs, request):
        """What the delete confirmations show: for each story, what readers lose (its live
        address, front-page places, feeds), not Django's list of the rows behind it (byline
        and section links, events…), whose history recovery brings back anyway."""
        _rows, _count, perms_needed, protected = super().get_deleted_objects(objs, request)
        refused = [article for article in objs if not permissions.can_delete(request.user, article)]
        for article in refused:
            perms_needed.add(f"“{article}” (journalists delete only their own unpublished drafts)")
        losses = [preflight.what_deleting_takes(article) for article in objs]
        return losses, {"stories": len(losses)}, perms_needed, protected

    @admin.action(description="Delete selected articles", permissions=["delete"])
    def delete_selected_safely(self, request, queryset):
        from django.contrib.admin.actions import delete_selected

        return delete_selected(self, request, queryset)

    def response_add(self, request, obj, post_url_continue=None):
        return self._after_save(request, obj) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request, obj):
        return self._after_save(request, obj) or super().response_change(request, obj)

    def _after_save(self, request, obj):
        """The workflow buttons of the editor's form: save first, then take the step."""
        if "_submit_for_review" in request.POST:
            try:
                services.submit(obj, by=request.user)
            except (PermissionDenied, ValueError) as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, f"“{obj}” was saved and sent to the editors for review.")
            return HttpResponseRedirect(reverse("admin:articles_article_changelist"))
        if "_publish" in request.POST:
            return HttpResponseRedirect(reverse("admin:articles_article_publish", args=[obj.pk]))
        return None

    # --- the change form's context -----------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        user = request.user
        if obj is not None:
            context.update(
                workflow.buttons_context(user, obj),
                returned_note=workflow.returned_note(obj),
            )
        else:
            context.update(can_submit=True)
        # The rich-text editor's import map is an inline script: it carries this
        # response's CSP nonce (see newsroom/security.py).
        context["media"] = JsMedia.from_media(context["media"], nonce=str(request.csp_nonce))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        urls = [
            path(
                f"<int:pk>/{name}/",
                self.admin_site.admin_view(getattr(workflow, name + "_view")),
                {"model_admin": self},
                name=f"articles_article_{name}",
            )
            for name in ("submit", "publish", "return", "unpublish", "correct", "share", "preview")
        ]
        urls += [
            path(
                "tags/suggest/",
                self.admin_site.admin_view(workflow.tag_suggestions),
                name="articles_article_tag_suggestions",
            ),
            path(
                "<int:pk>/history/compare/",
                self.admin_site.admin_view(workflow.compare_view),
                {"model_admin": self},
                name="articles_article_compare",
            ),
            path(
                "<int:pk>/history/<int:version_id>/restore/",
                self.admin_site.admin_view(workflow.restore_view),
                {"model_admin": self},
                name="articles_article_restore",
            ),
            path(
                "deleted/",
                self.admin_site.admin_view(workflow.deleted_view),
                {"model_admin": self},
                name="articles_article_deleted",
            ),
            path(
                "deleted/<int:version_id>/recover/",
                self.admin_site.admin_view(workflow.recover_view),
                {"model_admin": self},
                name="articles_article_recover",
            ),
        ]
        return urls + super().get_urls()

    def history_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, object_id)
        if article is not None:
            extra_context = {**(extra_context or {}), **workflow.history_context(request, article)}
        return super().history_view(request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        editor = permissions.is_editor(request.user)
        extra_context = {
            **(extra_context or {}),
            "can_recover": editor,
            # Live stories whose lead photo may no longer be used: readers see a placeholder.
            "lapsed_photo_stories": list(
                Article.objects.published()
                .with_photo_rights_lapsed()
                .select_related("lead_photo")[:50]
            )
            if editor
            else [],
        }
        return super().changelist_view(request, extra_context)
