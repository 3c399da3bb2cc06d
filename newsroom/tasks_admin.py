"""The admin's "Failed tasks": background work that failed every attempt, with its error,
and a Retry button. Nothing fails silently: what the queue gave up on waits here. And the
periodic schedule's record ("Scheduled runs"), for administrators."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from newsroom import background
from newsroom.admin import AdministratorsOnly
from newsroom.models import FailedTask, ScheduledRun


@admin.register(FailedTask)
class FailedTaskAdmin(admin.ModelAdmin):
    list_display = ("task", "error", "finished_at", "attempts", "enqueued_at")
    list_filter = ("queue_name",)
    search_fields = ("task_path", "exception_class_path", "traceback")
    date_hierarchy = "finished_at"
    ordering = ("-finished_at",)
    actions = ["retry_selected"]
    fields = (
        "task",
        "arguments",
        "attempts",
        "enqueued_at",
        "started_at",
        "finished_at",
        "worker_ids",
        "formatted_traceback",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).given_up().select_related("attempt")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="task", ordering="task_path")
    def task(self, obj):
        return obj.task_path

    @admin.display(description="error", ordering="exception_class_path")
    def error(self, obj):
        last_line = obj.traceback.strip().splitlines()[-1] if obj.traceback.strip() else ""
        return last_line[:200] or obj.exception_class_path

    @admin.display(description="attempts")
    def attempts(self, obj):
        attempt = getattr(obj, "attempt", None)
        return attempt.number if attempt else 1

    @admin.display(description="arguments")
    def arguments(self, obj):
        return format_html("<code>{}</code>", obj.args_kwargs)

    @admin.display(description="error and traceback")
    def formatted_traceback(self, obj):
        return format_html("<pre>{}</pre>", obj.traceback or "—")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_retry": self.has_change_permission(request),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        retry = self.admin_site.admin_view(self.retry_view)
        return [path("<path:object_id>/retry/", retry, name="newsroom_failedtask_retry")] + (
            super().get_urls()
        )

    def retry_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404("No such failed task (it may have been retried already).")
        self._retry(request, [obj])
        return HttpResponseRedirect(reverse("admin:newsroom_failedtask_changelist"))

    @admin.action(description="Retry the selected tasks now", permissions=["change"])
    def retry_selected(self, request, queryset):
        self._retry(request, list(queryset))

    def _retry(self, request, failed):
        for obj in failed:
            try:
                retry = background.retry_now(obj.pk, by=request.user)
            except background.AlreadyRetried:
                self.message_user(
                    request, f"{obj.task_path} was already retried.", messages.WARNING
                )
            except LookupError as error:
                self.message_user(request, f"Not retried: {error}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{obj.task_path} will run again now (task {retry.pk}); it leaves this "
                    "list, and comes back if it fails again.",
                    messages.SUCCESS,
                )


@admin.register(ScheduledRun)
class ScheduledRunAdmin(AdministratorsOnly, admin.ModelAdmin):
    """The schedule's record, for administrators: which periods ran, which were skipped."""

    list_display = ("schedule", "period", "fired_at", "is_skipped", "result_id", "worker_id")
    list_filter = ("schedule", "is_skipped")
    date_hierarchy = "period"
    ordering = ("-period",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
