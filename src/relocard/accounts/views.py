"""Sign up, sign in, sign out, and the language switch that remembers the choice."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from relocard.accounts import services
from relocard.accounts.forms import SigninForm, SignupForm
from relocard.common.errors import RelocardError


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                language=get_language() or "en",
            )
        except RelocardError as exc:
            form.add_error(exc.field, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready. Now enter your personal details."))
            return redirect("portal:profile")
    return render(
        request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200
    )


class SigninView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SigninForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


signin = SigninView.as_view()
signout = auth_views.LogoutView.as_view()
