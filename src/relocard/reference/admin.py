from django.contrib import admin

from relocard.common.admin import AuditedAdmin
from relocard.reference.models import MemberState


@admin.register(MemberState)
class MemberStateAdmin(AuditedAdmin):
    list_display = (
        "code",
        "name_en",
        "programme_enabled",
        "decision_days",
        "appeal_days",
    )
    list_filter = ("programme_enabled",)
    list_editable = ("programme_enabled",)
    # The zone is the core table's (relocard.core.eu): issuer and offline verifiers share it.
    readonly_fields = ("code", "timezone")
    ordering = ("code",)

    def has_add_permission(self, request):
        return False  # the 27 member states are reference data, loaded by a migration

    def has_delete_permission(self, request, obj=None):
        return False
