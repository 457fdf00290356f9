"""The admin site for verifier organisations: programme admins approve or suspend them here
too (every change audited); share codes and checks are read-only records."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from relocard.common.admin import AuditedAdmin
from relocard.common.errors import RelocardError
from relocard.verification import services
from relocard.verification.models import (
    CardCheck,
    OrganisationStatus,
    VerifierMembership,
    VerifierOrganisation,
)


class MembershipInline(admin.TabularInline):
    model = VerifierMembership
    extra = 0
    fields = ("user", "is_manager", "created_at")
    readonly_fields = ("user", "created_at")
    can_delete = False


@admin.register(VerifierOrganisation)
class VerifierOrganisationAdmin(AuditedAdmin):
    list_display = ("name", "kind", "country", "registration_number", "status", "created_at")
    list_filter = ("status", "kind", "country")
    search_fields = ("name", "registration_number")
    readonly_fields = ("status", "created_at", "decided_at", "decided_by")
    inlines = [MembershipInline]
    actions = ["approve", "suspend"]

    def _decide(self, request, queryset, status):
        done = 0
        for org in queryset:
            try:
                services.organisation_decide(actor=request.user, organisation=org, status=status)
            except RelocardError as exc:
                self.message_user(request, f"{org}: {exc.message}", messages.WARNING)
            else:
                done += 1
        self.message_user(request, _("%(count)s organisation(s) changed.") % {"count": done})

    @admin.action(description=_("Approve the selected organisations"))
    def approve(self, request, queryset):
        self._decide(request, queryset, OrganisationStatus.APPROVED)

    @admin.action(description=_("Suspend the selected organisations"))
    def suspend(self, request, queryset):
        self._decide(request, queryset, OrganisationStatus.SUSPENDED)

    def has_delete_permission(self, request, obj=None):
        return False  # checks refer to it


@admin.register(CardCheck)
class CardCheckAdmin(admin.ModelAdmin):
    list_display = ("check_id", "organisation", "method", "purpose", "result", "checked_at")
    list_filter = ("method", "purpose", "result")
    search_fields = ("check_id",)
    fields = (
        "check_id",
        "organisation",
        "checked_by",
        "api_key",
        "method",
        "purpose",
        "reason",
        "result",
        "detail",
        "member_state",
        "valid_until",
        "checked_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
