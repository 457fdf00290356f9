"""The admin site for referring organisations only: programme admins register, approve and
suspend them (every change audited). Requests, grounds and the ledger have no admin pages:
the grounds are for the assigned officers alone."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from relocard.common.admin import AuditedAdmin
from relocard.common.errors import RelocardError
from relocard.humanitarian import services
from relocard.humanitarian.models import ReferrerMembership, ReferringOrganisation


class ReferrerInline(admin.TabularInline):
    model = ReferrerMembership
    extra = 0
    fields = ("user", "created_at")
    readonly_fields = ("user", "created_at")
    can_delete = False


@admin.register(ReferringOrganisation)
class ReferringOrganisationAdmin(AuditedAdmin):
    list_display = ("name", "country", "registration_number", "status", "created_at")
    list_filter = ("status", "country")
    search_fields = ("name", "registration_number")
    readonly_fields = ("status", "created_at", "decided_at", "decided_by")
    inlines = [ReferrerInline]
    actions = ["approve", "suspend"]

    def _decide(self, request, queryset, approve: bool):
        done = 0
        for org in queryset:
            try:
                services.referring_organisation_decide(
                    actor=request.user, organisation=org, approve=approve
                )
            except RelocardError as exc:
                self.message_user(request, f"{org}: {exc.message}", messages.WARNING)
            else:
                done += 1
        self.message_user(request, _("%(count)s organisation(s) changed.") % {"count": done})

    @admin.action(description=_("Approve the selected organisations"))
    def approve(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description=_("Suspend the selected organisations"))
    def suspend(self, request, queryset):
        self._decide(request, queryset, False)

    def has_delete_permission(self, request, obj=None):
        return False  # requests refer to it
