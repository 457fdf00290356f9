from django import forms
from django.contrib import admin
from django.contrib.auth import password_validation
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.views.decorators.cache import never_cache

from relocard.accounts.models import User
from relocard.accounts.sessions import sessions_end
from relocard.common.admin import AuditedAdmin


class StaffCreationForm(forms.ModelForm):
    """A staff user made on the admin site: the same password rules as everywhere else."""

    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ("email", "role", "member_state")

    def _post_clean(self):
        super()._post_clean()
        password = self.cleaned_data.get("password1")
        if password:
            try:
                password_validation.validate_password(password, self.instance)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        user.is_staff = user.role == "programme_admin"
        if commit:
            user.save()
        return user


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "role", "member_state", "is_active", "last_login")
    list_filter = ("role", "member_state", "is_active")
    search_fields = ("email",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            "Role",
            {"fields": ("role", "member_state", "preferred_language", "is_active", "is_staff")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_form = StaffCreationForm
    add_fieldsets = ((None, {"fields": ("email", "password1", "role", "member_state")}),)
    filter_horizontal = ()

    actions = ["end_sessions"]

    @admin.action(description="Sign the selected users out everywhere")
    def end_sessions(self, request, queryset):
        ended = sum(sessions_end(actor=request.user, user=user) for user in queryset)
        self.message_user(request, f"{ended} session(s) ended.")

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted: history refers to them


@never_cache
def _admin_login(request, extra_context=None):
    """The admin site signs in through the platform's sign-in page: its throttle, its second
    factor (the middleware asks for it before any admin page), its audit events."""
    return redirect_to_login(request.GET.get("next") or "/admin/")


admin.site.login = _admin_login
