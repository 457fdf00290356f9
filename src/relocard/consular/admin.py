"""Missions and their officers, edited by programme admins in the admin site (audited; the
console's Missions pages do the same through the services).
Slots, windows, draws and appointments have no admin pages: they change only through the
services, so that every change is checked and audited."""

from __future__ import annotations

from django.contrib import admin

from relocard.audit.services import audit_record
from relocard.common.admin import AuditedAdmin
from relocard.consular.models import Mission, MissionOfficer


class MissionOfficerInline(admin.TabularInline):
    model = MissionOfficer
    extra = 0
    autocomplete_fields = ()
    raw_id_fields = ("user",)


@admin.register(Mission)
class MissionAdmin(AuditedAdmin):
    list_display = ("member_state", "kind", "city", "time_zone", "opening_weekdays", "active")
    list_filter = ("member_state", "kind", "active")
    search_fields = ("city",)
    inlines = [MissionOfficerInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects + [o for o, _fields in formset.changed_objects]:
            audit_record(
                actor=request.user,
                action="admin.mission_officer_set",
                obj=obj,
                member_state=obj.mission.member_state_id,
                data={"user": obj.user_id, "mission": obj.mission_id},
            )
        for obj in formset.deleted_objects:
            audit_record(
                actor=request.user,
                action="admin.mission_officer_removed",
                object_type="consular.missionofficer",
                object_id=obj.pk,
                data={"user": obj.user_id, "mission": obj.mission_id},
            )


@admin.register(MissionOfficer)
class MissionOfficerAdmin(AuditedAdmin):
    list_display = ("user", "mission")
    list_filter = ("mission__member_state",)
    raw_id_fields = ("user",)
