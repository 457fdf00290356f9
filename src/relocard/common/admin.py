"""The Django admin, for programme admins only, with every change audited."""

from __future__ import annotations

from django.contrib import admin

from relocard.audit.services import audit_record
from relocard.common import access


def _has_permission(request) -> bool:
    return access.can_use_admin_site(request.user)


admin.site.has_permission = _has_permission


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletions write audit events (the admin's view is atomic)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="admin.changed" if change else "admin.added",
            obj=obj,
            data={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        label, pk = obj._meta.label_lower, obj.pk
        super().delete_model(request, obj)
        audit_record(actor=request.user, action="admin.deleted", object_type=label, object_id=pk)
