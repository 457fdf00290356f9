"""URL configuration: the applicant portal, the staff console, the admin and accounts.

Case references (random, never names) are the only identifiers in URLs.
"""

from django.contrib import admin
from django.urls import include, path

from relocard.accounts import passkeys
from relocard.accounts import views as account_views
from relocard.portal import legal as legal_views
from relocard.portal import views as portal_views
from relocard.verification.api import api as verification_api

admin.site.site_header = "Relocard administration"
admin.site.site_title = "Relocard"

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("privacy/", portal_views.privacy, name="privacy"),
    path("privacy/<str:code>/", portal_views.privacy_member_state, name="privacy_member_state"),
    path("accessibility/", legal_views.accessibility, name="accessibility"),
    path("legal-notice/", legal_views.legal_notice, name="legal_notice"),
    path("contact/", legal_views.contact_list, name="contact"),
    path("contact/<str:code>/", legal_views.contact_member_state, name="contact_member_state"),
    path("i18n/setlang/", account_views.language_set, name="set_language"),
    path("accounts/", include("relocard.accounts.urls")),
    # The passkey ceremonies, under the namespace django-otp-webauthn's templates reverse.
    path("accounts/passkeys/", include((passkeys.urlpatterns, "otp_webauthn"))),
    path("trips/", include("relocard.presence.urls")),
    # At the mission (its pages live under /console/, /apply/ and /verify/).
    path("", include("relocard.enrolment.urls")),
    path("apply/", include("relocard.portal.urls")),
    path("console/", include("relocard.console.urls")),
    path("credentials/", include("relocard.cards.urls")),
    path("letters/", include("relocard.letters.urls")),
    path("humanitarian/", include("relocard.humanitarian.urls")),
    path("screening/", include("relocard.screening.urls")),
    path("consular/", include("relocard.consular.urls")),
    path("admin/", admin.site.urls),
    path("", include("relocard.ops.urls")),
    path("", include("relocard.verification.urls")),
    path("api/", verification_api.urls),
]
