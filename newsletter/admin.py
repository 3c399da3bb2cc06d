"""The desk's newsletter pages: subscribers (export and erase, for data-protection
requests), issues with how far their sending got, the briefing's preview and the
breaking-news alert. Editors only (newsletter/permissions.py)."""

import datetime
import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from articles.models import Article
from newsletter import mail, permissions, services
from newsletter.models import Delivery, Issue, Subscriber


class EditorsOnly:
    def has_module_permission(self, request):
        return permissions.can_manage(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_manage(request.user)

    def has_add_permission(self, request):
        return False  # subscribers give their consent themselves; issues are sent, not typed

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # "Erase" below, which says what it does


@admin.register(Subscriber)
class SubscriberAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ["email", "wants_briefing", "consent_at", "source", "unsubscribed_at"]
    list_filter = ["wants_briefing", "source", ("unsubscribed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    readonly_fields = [
        "email", "wants_briefing", "sections", "consent_at", "source",
        "unsubscribed_at", "unsubscribe_reason",
    ]  # fmt: skip
    actions = ["export_data", "erase"]

    def has_manage_permission(self, request):
        """Exporting and erasing: Django offers the actions only to whom this says yes."""
        return permissions.can_manage(request.user)

    @admin.action(description="Export their data (JSON)", permissions=["manage"])
    def export_data(self, request, queryset):
        data = [services.export(s) for s in queryset.prefetch_related("sections")]
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = 'attachment; filename="subscribers.json"'
        return response

    @admin.action(
        description="Erase them and what we sent them (cannot be undone)", permissions=["manage"]
    )
    def erase(self, request, queryset):
        count = 0
        for subscriber in queryset:
            services.erase(subscriber, by=request.user)
            count += 1
        self.message_user(request, f"Erased {count} subscriber(s).", messages.SUCCESS)


class AlertForm(forms.Form):
    article = forms.ModelChoiceField(
        queryset=Article.objects.none(),
        help_text=(
            "A story published in the last three days. The alert goes to the readers who "
            "chose one of its sections."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        since = timezone.now() - datetime.timedelta(days=3)
        self.fields["article"].queryset = (
            Article.objects.published().filter(published_at__gte=since).newest_first()
        )


@admin.register(Issue)
class IssueAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ["subject", "kind", "state", "created_at", "sent", "waiting", "not_sent"]
    list_filter = ["kind", "state"]
    readonly_fields = ["kind", "subject", "state", "created_at", "created_by"]
    exclude = ["html", "text", "articles"]
    change_list_template = "admin/newsletter/issue/change_list.html"

    def get_queryset(self, request):
        states = Delivery.State
        return (
            super()
            .get_queryset(request)
            .annotate(
                sent_count=Count("deliveries", filter=Q(deliveries__state=states.SENT)),
                waiting_count=Count(
                    "deliveries",
                    filter=Q(deliveries__state__in=[states.PENDING, states.SENDING]),
                ),
                not_sent_count=Count(
                    "deliveries",
                    filter=Q(deliveries__state__in=[states.FAILED, states.UNCERTAIN]),
                ),
            )
        )

    @admin.display(description="sent", ordering="sent_count")
    def sent(self, obj):
        return obj.sent_count

    @admin.display(description="waiting", ordering="waiting_count")
    def waiting(self, obj):
        return obj.waiting_count

    @admin.display(description="refused or unknown", ordering="not_sent_count")
    def not_sent(self, obj):
        return obj.not_sent_count

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("preview-briefing/", wrap(self.preview_briefing), name="newsletter_preview"),
            path("alert/", wrap(self.alert), name="newsletter_alert"),
            path("<int:pk>/email/", wrap(self.issue_email), name="newsletter_issue_email"),
            *super().get_urls(),
        ]

    def preview_briefing(self, request):
        """The briefing as it would go out now (the front page as it stands)."""
        permissions.require_editor(request.user)
        _, html, _, _ = mail.briefing()
        return HttpResponse(html)

    def issue_email(self, request, pk: int):
        """An issue's HTML as it went out."""
        permissions.require_editor(request.user)
        return HttpResponse(get_object_or_404(Issue, pk=pk).html)

    def alert(self, request):
        permissions.require_editor(request.user)
        form = AlertForm(request.POST or None)
        preview = None
        if request.method == "POST" and form.is_valid():
            article = form.cleaned_data["article"]
            if "send" in request.POST:
                try:
                    issue = services.start_alert(article, by=request.user)
                except services.NothingToSend as error:
                    self.message_user(request, str(error), messages.ERROR)
                else:
                    count = issue.deliveries.count()
                    self.message_user(
                        request,
                        f"The alert “{issue.subject}” is being sent to {count} subscriber(s).",
                        messages.SUCCESS,
                    )
                    return redirect(reverse("admin:newsletter_issue_changelist"))
            else:
                preview = mail.alert(article)[1]
        context = {
            **self.admin_site.each_context(request),
            "title": "Send a breaking-news alert",
            "form": form,
            "preview": preview,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/newsletter/alert.html", context)
