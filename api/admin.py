"""The desk's side of webhooks: endpoints (editors only), and the delivery log (read-only,
with "send again")."""

from django import forms
from django.contrib import admin, messages

from api import webhooks
from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from articles.permissions import can_manage_webhooks
from newsroom.background import enqueue_after_commit


class EditorsOnly:
    """Every door of these admins is the one rule of articles/permissions.py."""

    def has_module_permission(self, request):
        return can_manage_webhooks(request.user)

    def has_view_permission(self, request, obj=None):
        return can_manage_webhooks(request.user)

    def has_add_permission(self, request):
        return can_manage_webhooks(request.user)

    def has_change_permission(self, request, obj=None):
        return can_manage_webhooks(request.user)

    def has_delete_permission(self, request, obj=None):
        return can_manage_webhooks(request.user)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label="Address",
        max_length=500,
        assume_scheme="https",
        help_text=WebhookEndpoint._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Which events this address receives.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            webhooks.resolve(url)
        except webhooks.RefusedDestination as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(EditorsOnly, admin.ModelAdmin):
    form = EndpointForm
    list_display = ["__str__", "url", "event_list", "is_active", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = ["secret_shown", "created_at", "created_by"]
    actions = ["new_secret"]

    @admin.display(description="events")
    def event_list(self, obj):
        return ", ".join(obj.events)

    @admin.display(description="signing secret")
    def secret_shown(self, obj):
        return obj.masked_secret if obj.pk else "Made when you save; shown once."

    def save_model(self, request, obj, form, change):
        creating = obj.pk is None
        if creating:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if creating:
            self._tell_secret(request, obj)

    def _tell_secret(self, request, obj):
        messages.warning(
            request,
            f"Signing secret for {obj.url}: {obj.secret} — copy it to the receiver now; "
            "it will not be shown again.",
        )

    @admin.action(description="Give the selected endpoints a new signing secret")
    def new_secret(self, request, queryset):
        from api.models import new_secret

        for endpoint in queryset:
            endpoint.secret = new_secret()
            endpoint.save(update_fields=["secret"])
            self._tell_secret(request, endpoint)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ["created_at", "event", "article_id", "endpoint", "status", "attempts",
                    "response_status", "last_attempt_at"]  # fmt: skip
    list_filter = ["status", "event", "endpoint"]
    list_select_related = ["endpoint"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the log is what happened

    @admin.action(description="Send the selected deliveries again")
    def send_again(self, request, queryset):
        count = 0
        for delivery in queryset.exclude(status=DeliveryStatus.DELIVERED):
            # With all its attempts ahead of it, as the queue's own Retry does.
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None
            )
            enqueue_after_commit(webhooks.deliver, delivery.pk)
            count += 1
        self.message_user(request, f"{count} deliveries sent again.")
