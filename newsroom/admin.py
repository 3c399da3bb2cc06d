"""Users and roles: only administrators (superusers) manage them."""

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User


class AdministratorsOnly:
    """Editors run the desk, not the accounts: they cannot give anyone (themselves
    included) a role, staff or superuser status."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class NewsroomUserAdmin(AdministratorsOnly, UserAdmin):
    def get_deleted_objects(self, objs, request):
        # Django would delete a user's admin history with them (LogEntry cascades), and
        # PROTECT keeps their articles; either way, deactivate the account instead.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = list(protected)
        for user in objs:
            if LogEntry.objects.filter(user=user).exists():
                protected.append(
                    f"The admin history of “{user}” (untick “Active” to close the account "
                    "instead; their history and bylines stay)"
                )
        return deleted, model_count, perms_needed, protected


@admin.register(Group)
class NewsroomGroupAdmin(AdministratorsOnly, GroupAdmin):
    pass


from newsroom import tasks_admin  # noqa: E402, F401  (the "Failed tasks" page)
