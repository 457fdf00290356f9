"""The mission desk's services: biometrics, fee, D visa, production and hand-over, photo."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.enrolment.conftest import passport_zone, photo_bytes

from relocard.audit.models import AuditEvent
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed, StaleObject
from relocard.enrolment import services
from relocard.enrolment.models import (
    BiometricEnrolment,
    CardProduction,
    EntryVisa,
    FeePayment,
    HolderPhoto,
    ProductionTransition,
)

pytestmark = pytest.mark.django_db


def _photo(actor, app):
    upload = SimpleUploadedFile("me.jpg", photo_bytes(), content_type="image/jpeg")
    return services.photo_upload(actor=actor, application=app, upload=upload)


def _ready_to_order(officer, app):
    services.biometrics_record(
        actor=officer, application=app, device_reference="ST-7", place="Moscow"
    )
    services.fee_record(actor=officer, application=app, amount="99", method="cash")
    _photo(officer, app)


def _actions(app) -> list[str]:
    return list(
        AuditEvent.objects.filter(data__case=app.reference, action__startswith="mission.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_biometrics_are_recorded_once_and_audited(embassy_case, officer):
    app = embassy_case("submitted")
    row = services.biometrics_record(
        actor=officer, application=app, device_reference="  ST-7 ", place="Consulate, Moscow"
    )
    assert (row.device_reference, row.place, row.officer, row.cycle) == (
        "ST-7", "Consulate, Moscow", officer, 1
    )  # fmt: skip
    assert _actions(app) == ["mission.biometrics_recorded"]
    with pytest.raises(InvalidState):
        services.biometrics_record(actor=officer, application=app, device_reference="X", place="Y")
    assert BiometricEnrolment.objects.count() == 1


@pytest.mark.parametrize(
    ("device", "place", "field"),
    [("", "Moscow", "device_reference"), ("X" * 65, "Moscow", "device_reference"),
     ("ST-7", "  ", "place")],
)  # fmt: skip
def test_biometrics_bad_input_writes_nothing(embassy_case, officer, device, place, field):
    app = embassy_case("submitted")
    with pytest.raises(InvalidInput) as exc:
        services.biometrics_record(
            actor=officer, application=app, device_reference=device, place=place
        )
    assert exc.value.field == field
    assert not BiometricEnrolment.objects.exists() and _actions(app) == []


def test_only_consular_officers_of_the_case_state_record(embassy_case, staff, make_user):
    from relocard.accounts.models import Role

    app = embassy_case("submitted")
    de_officer = make_user(Role.CONSULAR_OFFICER, "DE")
    for actor in (staff["caseworker"], staff["supervisor"], de_officer, app.applicant.user):
        with pytest.raises(NotAllowed, match="of the mission where this case was checked in"):
            services.biometrics_record(
                actor=actor, application=app, device_reference="X", place="Y"
            )
        with pytest.raises(NotAllowed):
            services.fee_record(actor=actor, application=app, amount="99", method="cash")
    assert not BiometricEnrolment.objects.exists() and not FeePayment.objects.exists()


def test_online_cases_are_not_the_mission_s(make_case, officer):
    app = make_case("submitted")
    with pytest.raises(NotAllowed):
        services.biometrics_record(actor=officer, application=app, device_reference="X", place="Y")


def test_the_fee_is_the_policy_amount_with_its_basis_and_a_receipt(embassy_case, officer):
    app = embassy_case("submitted")
    due = services.fee_due("FR", on=app.member_state.today())
    assert due.amount == Decimal("99.00") and due.source == "fr-ceseda"
    row = services.fee_record(actor=officer, application=app, amount="99,00", method="card")
    assert row.amount == Decimal("99.00") and row.currency == "EUR"
    assert row.basis["source"] == "fr-ceseda" and row.basis["amount"] == "99.00"
    assert row.receipt_number.startswith(f"FR-{app.member_state.today().year}-")
    assert _actions(app) == ["mission.fee_recorded"]
    with pytest.raises(InvalidState):
        services.fee_record(actor=officer, application=app, amount="99", method="card")


def test_the_fee_differs_per_member_state(embassy_case, staff, make_user):
    from relocard.accounts.models import Role

    app = embassy_case("submitted", member_state="DE")
    officer_de = make_user(Role.CONSULAR_OFFICER, "DE")
    row = services.fee_record(actor=officer_de, application=app, amount="75", method="cash")
    assert row.amount == Decimal("75.00") and row.basis["source"] == "de-aufenthv-46"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("", "Enter the amount"),
        ("ninety", "not an amount"),
        ("-99", "not an amount"),
        ("99.001", "not an amount"),
        ("1e2", "not an amount"),
        ("0", "more than zero"),
        ("5000", "larger than EUR 1000.00"),
        ("98.99", "not the fee due, EUR 99.00"),
    ],
)
def test_bad_amounts_are_refused(embassy_case, officer, amount, words):
    app = embassy_case("submitted")
    with pytest.raises(InvalidInput) as exc:
        services.fee_record(actor=officer, application=app, amount=amount, method="cash")
    assert words in str(exc.value.message) and exc.value.field == "amount"
    assert not FeePayment.objects.exists() and _actions(app) == []


def test_a_payment_method_must_be_known(embassy_case, officer):
    app = embassy_case("submitted")
    with pytest.raises(InvalidInput) as exc:
        services.fee_record(actor=officer, application=app, amount="99", method="bitcoin")
    assert exc.value.field == "method"


def _visa(officer, app, **changes):
    today = app.member_state.today()
    values = {
        "number": "FRA012345678",
        "valid_from": today,
        "valid_until": today + timedelta(days=180),
        "entries": "multiple",
        "in_russia": True,
        **changes,
    }
    return services.entry_visa_record(actor=officer, application=app, **values)


def test_a_d_visa_only_after_approval(embassy_case, officer):
    app = embassy_case("in_review")
    with pytest.raises(InvalidState) as exc:
        _visa(officer, app)
    assert "only once the application is approved" in str(exc.value.message)
    app = embassy_case("approved")
    visa = _visa(officer, app, number="fra 012345678")
    assert visa.number == "FRA012345678" and visa.entries == "multiple"
    assert _actions(app) == ["mission.entry_visa_recorded"]
    with pytest.raises(InvalidState):
        _visa(officer, app, number="FRA012345679")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number": "FRA12345"}, "number"),
        ({"number": "DEU012345678"}, "number"),
        ({"valid_from": None}, "valid_from"),
        ({"valid_from": "yesterday"}, "valid_from"),
        ({"valid_until": "before"}, "valid_until"),
        ({"valid_until": "too_long"}, "valid_until"),
        ({"entries": "three"}, "entries"),
        ({"in_russia": False}, "in_russia"),
    ],
)
def test_bad_visas_are_refused(embassy_case, officer, changes, field):
    app = embassy_case("approved")
    today = app.member_state.today()
    dates = {
        "yesterday": today - timedelta(days=1),
        "before": today,
        "too_long": today + timedelta(days=365),
    }
    changes = {
        k: dates.get(v, v) if isinstance(v, str) and v in dates else v for k, v in changes.items()
    }
    with pytest.raises(InvalidInput) as exc:
        _visa(officer, app, **changes)
    assert exc.value.field == field
    assert not EntryVisa.objects.exists()


def test_production_needs_approval_biometrics_fee_and_photo(embassy_case, officer):
    app = embassy_case("approved")
    with pytest.raises(InvalidState) as exc:
        services.production_order(actor=officer, application=app, place="Moscow")
    message = str(exc.value.message)
    assert "biometrics enrolment" in message and "the fee" in message and "photo" in message
    _ready_to_order(officer, app)
    production = services.production_order(actor=officer, application=app, place="Moscow")
    assert production.state == "ordered" and production.card.application_id == app.pk
    with pytest.raises(InvalidState):
        services.production_order(actor=officer, application=app, place="Moscow")


def test_the_card_moves_ordered_ready_handed_over_with_history(
    embassy_case, officer, django_capture_on_commit_callbacks, mailoutbox
):
    app = embassy_case("approved")
    _ready_to_order(officer, app)
    production = services.production_order(actor=officer, application=app, place="Moscow")
    with pytest.raises(InvalidState):  # not ready yet
        services.production_hand_over(
            actor=officer, production=production, version=production.version,
            mrz=passport_zone(app.applicant),
        )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        production = services.production_ready(
            actor=officer, production=production, version=production.version
        )
    assert production.state == "ready_for_collection"
    with pytest.raises(StaleObject):
        services.production_ready(actor=officer, production=production, version=1)
    production = services.production_hand_over(
        actor=officer, production=production, version=production.version,
        mrz=passport_zone(app.applicant),
    )  # fmt: skip
    assert production.state == "handed_over" and production.handed_over_by == officer
    steps = list(ProductionTransition.objects.filter(production=production).order_by("id"))
    assert [(t.from_state, t.to_state) for t in steps] == [
        ("", "ordered"), ("ordered", "ready_for_collection"),
        ("ready_for_collection", "handed_over"),
    ]  # fmt: skip
    assert set(steps[-1].detail["identity_check"].values()) == {"match"}
    assert _actions(app)[-3:] == [
        "mission.card_order",
        "mission.card_ready",
        "mission.card_hand_over",
    ]


def test_a_wrong_passport_refuses_the_hand_over_field_by_field(embassy_case, officer):
    app = embassy_case("approved")
    _ready_to_order(officer, app)
    production = services.production_order(actor=officer, application=app, place="Moscow")
    production = services.production_ready(
        actor=officer, production=production, version=production.version
    )
    other = passport_zone(app.applicant, surname="PETROVA", document_number="751111111")
    with pytest.raises(services.HandOverRefused) as exc:
        services.production_hand_over(
            actor=officer, production=production, version=production.version, mrz=other
        )
    outcomes = {f.field: f.outcome for f in exc.value.comparison.fields}
    assert outcomes["surname"] == "mismatch" and outcomes["document_number"] == "mismatch"
    assert outcomes["birth_date"] == "match"
    production.refresh_from_db()
    assert production.state == "ready_for_collection"
    refused = AuditEvent.objects.get(action="mission.card_hand_over_refused")
    assert refused.data["mismatched"] == ["surname", "document_number"]
    assert "PETROVA" not in str(refused.data)


@pytest.mark.parametrize(
    "mrz",
    ["", "P<RUSIVANOVA<<ANNA", "not a zone at all\nsecond line"],
)
def test_an_unreadable_zone_refuses_the_hand_over(embassy_case, officer, mrz):
    app = embassy_case("approved")
    _ready_to_order(officer, app)
    production = services.production_order(actor=officer, application=app, place="Moscow")
    production = services.production_ready(
        actor=officer, production=production, version=production.version
    )
    with pytest.raises(services.HandOverRefused) as exc:
        services.production_hand_over(
            actor=officer, production=production, version=production.version, mrz=mrz
        )
    assert exc.value.comparison is None
    assert CardProduction.objects.get().state == "ready_for_collection"


def test_a_failed_check_digit_refuses_the_hand_over(embassy_case, officer):
    app = embassy_case("approved")
    _ready_to_order(officer, app)
    production = services.production_order(actor=officer, application=app, place="Moscow")
    production = services.production_ready(
        actor=officer, production=production, version=production.version
    )
    line1, line2 = passport_zone(app.applicant).split("\n")
    broken = line2[:9] + str((int(line2[9]) + 1) % 10) + line2[10:]
    with pytest.raises(services.HandOverRefused) as exc:
        services.production_hand_over(
            actor=officer, production=production, version=production.version,
            mrz=f"{line1}\n{broken}",
        )  # fmt: skip
    assert "check digit" in str(exc.value.message)


def test_the_photo_is_checked_stored_encrypted_and_superseded(embassy_case, officer, settings):
    app = embassy_case("submitted")
    first = _photo(app.applicant.user, app)
    assert (first.width, first.height, first.content_type) == (420, 540, "image/jpeg")
    with open(first.file.path, "rb") as fh:
        assert photo_bytes()[:64] not in fh.read()  # encrypted at rest
    assert first.file.open("rb").read() == photo_bytes()
    second = _photo(officer, app)
    first.refresh_from_db()
    assert first.superseded_at is not None and second.superseded_at is None
    assert _actions(app) == ["mission.photo_uploaded", "mission.photo_uploaded"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "The file is empty."),
        (b"%PDF-1.7 not a photo", "only JPEG and PNG"),
        ("small", "at least 413 x 531"),
        ("noface", "No face was found"),
    ],
)
def test_bad_photos_are_refused_with_reasons(embassy_case, officer, content, words):
    import io

    from PIL import Image

    if content == "small":
        image = Image.open(io.BytesIO(photo_bytes())).resize((210, 270))
        out = io.BytesIO()
        image.save(out, "JPEG")
        content = out.getvalue()
    elif content == "noface":
        out = io.BytesIO()
        Image.new("RGB", (420, 540), (200, 180, 170)).save(out, "PNG")
        content = out.getvalue()
    app = embassy_case("submitted")
    upload = SimpleUploadedFile("x.jpg", content, content_type="image/jpeg")
    with pytest.raises(InvalidInput) as exc:
        services.photo_upload(actor=officer, application=app, upload=upload)
    assert words in str(exc.value.message)
    assert not HolderPhoto.objects.exists()


def test_nobody_else_uploads_a_photo(embassy_case, make_applicant, staff):
    app = embassy_case("submitted")
    stranger = make_applicant().user
    for actor in (stranger, staff["caseworker"]):
        with pytest.raises(NotAllowed):
            _photo(actor, app)
    assert not HolderPhoto.objects.exists()


def test_every_code_of_the_core_has_a_sentence_in_both_languages():
    import pathlib
    import re

    from django.utils import translation

    from relocard.core import mission
    from relocard.enrolment.messages import MISSION_MESSAGES, mission_message

    source = pathlib.Path(mission.__file__).read_text(encoding="utf-8")
    codes = set(re.findall(r'(?:MissionError|VisaProblem)\(\s*(?:"\w+",\s*)?"(\w+)"', source))
    codes -= {"production_move"}  # the services word a refused move themselves
    assert codes and codes <= set(MISSION_MESSAGES)
    params = {"value": "x", "limit": "1", "amount": "1", "due": "2", "prefix": "FRA", "days": "3"}
    for code in codes:
        english = mission_message(code, params)
        with translation.override("ru"):
            russian = mission_message(code, params)
        assert russian != english and re.search("[а-я]", russian), code


def test_the_data_download_includes_what_the_mission_recorded(embassy_case, officer):
    import json

    from relocard.portal.subject_data import subject_data

    app = embassy_case("approved")
    _ready_to_order(officer, app)
    _visa(officer, app)
    text = json.dumps(subject_data(app.applicant.user), ensure_ascii=False)
    receipt = FeePayment.objects.get().receipt_number
    for expected in (receipt, "FRA012345678", "ST-7", '"width": 420'):
        assert expected in text, expected
    assert officer.email not in text  # staff are named by role only


@pytest.mark.parametrize("safe", [False, True])
def test_the_applicant_is_told_the_card_is_ready_in_safe_mode_too(
    embassy_case, officer, django_capture_on_commit_callbacks, mailoutbox, safe
):
    app = embassy_case("approved")
    app.applicant.safe_mode = safe
    app.applicant.save(update_fields=["safe_mode"])
    _ready_to_order(officer, app)
    production = services.production_order(actor=officer, application=app, place="Moscow")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.production_ready(actor=officer, production=production, version=production.version)
    [message] = [m for m in mailoutbox if m.to == [app.applicant.user.email]]
    if safe:
        assert message.subject == "You have a new message in your account"
        assert app.reference not in message.body and "card" not in message.body.lower()
    else:
        assert "ready for collection at the mission" in message.subject
        assert app.reference in message.subject


def test_the_mission_history_writes_amounts_and_dates_in_the_readers_language(
    embassy_case, officer
):
    from django.utils import translation

    from relocard.enrolment.selectors import mission_history

    app = embassy_case("approved")
    services.fee_record(actor=officer, application=app, amount="99", method="cash")
    visa = _visa(officer, app)
    with translation.override("ru"):
        details = {e.what: e.detail for e in mission_history(app)}
    assert details["Сбор уплачен"].startswith("EUR 99,00 (")
    start = visa.valid_from.strftime("%d.%m.%Y")
    assert details["Виза D выдана"].startswith(f"FRA012345678, {start} – ")
    assert visa.valid_from.isoformat() not in details["Виза D выдана"]
