"""What a decision letter says, written from the stored decision in each language.

The authentic part is in the member state's official language (:func:`official_language`), the
Russian translation follows it. Every text goes through gettext under
``translation.override(language)``, so the translators' catalogues apply (English until a
language's catalogue exists). The reasons are the rules engine's explanation objects stored
with the decision (``Decision.evaluation``): nothing is evaluated again. The remedies and the
authority's name come from the member state's policy file (``remedies``).
"""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date
from django.utils import translation
from django.utils.translation import gettext as _

from relocard.accounts.models import Role
from relocard.cards.models import CardStatusChange
from relocard.cases.models import Appeal, AppealStatus, Decision, Stage
from relocard.common.languages import member_state_language
from relocard.core.letters import Block, LetterDocument, LetterPart, remedies
from relocard.letters.models import DecisionLetter, LetterKind

TRANSLATION = "ru"


def official_language(member_state: str) -> str:
    """The authentic language of a member state's letters: its official language
    (:data:`relocard.core.eu.OFFICIAL_LANGUAGE`, the one mapping the interface uses too), or
    English where the interface does not speak it."""
    return member_state_language(member_state)


def _translation_note(authentic: str) -> str:
    notes = {
        "fr": _("Translation for information; the French text is authentic."),
        "de": _("Translation for information; the German text is authentic."),
        "pl": _("Translation for information; the Polish text is authentic."),
        "el": _("Translation for information; the Greek text is authentic."),
        "en": _("Translation for information; the English text is authentic."),
    }
    return notes[authentic]


def _day(value: date | None, language: str) -> str:
    if value is None:
        return "-"
    return format_date(value, format="long", locale=language)


def _iso(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _title(kind: str, appeal: Appeal | None) -> str:
    if kind == LetterKind.APPEAL_DECISION and appeal is not None:
        if appeal.status == AppealStatus.UPHELD:
            return _("Decision on your appeal: appeal upheld")
        return _("Decision on your appeal: appeal dismissed")
    return {
        LetterKind.APPROVAL: _("Decision granting a relocatee card"),
        LetterKind.REFUSAL: _("Decision refusing a relocatee card"),
        LetterKind.RENEWAL_REFUSAL: _("Decision refusing the renewal of a relocatee card"),
        LetterKind.SUSPENSION: _("Decision suspending a relocatee card"),
        LetterKind.REVOCATION: _("Decision revoking a relocatee card"),
    }[kind]


def _role(user) -> str:
    if user is None:
        return _("The competent official")
    return {
        Role.SUPERVISOR: _("Supervisor of the relocatee-card programme"),
        Role.CASEWORKER: _("Caseworker of the relocatee-card programme"),
    }.get(user.role, _("The competent official"))


def _addressee(identity: dict) -> str:
    latin = " ".join(
        x for x in (identity.get("given_names_latin"), identity.get("surname_latin")) if x
    )
    cyrillic = " ".join(
        x for x in (identity.get("given_names_cyrillic"), identity.get("surname_cyrillic")) if x
    )
    return f"{latin} ({cyrillic})" if latin and cyrillic else latin or cyrillic or "-"


def _criteria(evaluation: dict, language: str, official_reasons: dict) -> list[str]:
    """One paragraph per criterion: result, explanation, the official's reason, the basis."""
    out = []
    for c in evaluation.get("criteria", []):
        title = c.get("title", {})
        expl = c.get("explanation", {})
        result = {
            "met": _("met"),
            "not_met": _("not met"),
        }.get(c.get("result"), _("not decided on verified evidence"))
        sources = []
        for ref in c.get("reference", []):
            name = ref.get("title") or ref.get("source")
            if name and name not in sources:
                sources.append(name)
        text = f"{title.get(language) or title.get('en', c.get('id'))}: {result}. "
        text += expl.get(language) or expl.get("en", "")
        reason = official_reasons.get(c.get("id"))
        if reason:
            text += " " + _("Reason given by the official: %(reason)s") % {"reason": reason}
        # The engine's explanation already names the parameters' sources; say it otherwise.
        if sources and not (expl.get(language) or expl.get("en")):
            text += " " + _("Legal basis: %(sources)s.") % {"sources": "; ".join(sources)}
        out.append(text)
    for cid, reason in official_reasons.items():
        if not any(c.get("id") == cid for c in evaluation.get("criteria", [])):
            out.append(f"{cid}: {reason}")
    return out


def _identity(letter: DecisionLetter) -> dict:
    if letter.decision is not None and letter.decision.identity:
        return letter.decision.identity
    applicant = letter.application.applicant
    return {
        "surname_latin": applicant.surname_latin,
        "given_names_latin": applicant.given_names_latin,
        "surname_cyrillic": applicant.surname_cyrillic,
        "given_names_cyrillic": applicant.given_names_cyrillic,
    }


def _decision_blocks(d: Decision, kind: str, language: str) -> tuple[list[Block], object]:
    app = d.application
    stamp = d.evaluation.get("policy", {})
    stage = _("renewal") if app.stage == Stage.RENEWAL else _("first issue")
    facts = [
        _(
            "You applied for a relocatee card (%(stage)s, year %(cycle)s of your case); "
            "the application was submitted on %(submitted)s."
        )
        % {
            "stage": stage,
            "cycle": d.cycle,
            "submitted": _day(app.submitted_at.date() if app.submitted_at else None, language),
        },
        _(
            "The decision rests on the evidence verified in your case, checked against the "
            "rules in force on %(effective)s for %(country)s (rules version %(hash)s)."
        )
        % {
            "effective": _day(_iso(stamp.get("effective")), language),
            "country": stamp.get("country", app.member_state_id),
            "hash": (stamp.get("hash") or "-")[:19],
        },
    ]
    reasons = _criteria(d.evaluation, language, d.reasons if kind != LetterKind.APPROVAL else {})
    for cid, why in (d.exceptions or {}).items():
        reasons.append(
            _("%(criterion)s: accepted by exception, for this reason: %(reason)s")
            % {"criterion": cid, "reason": why}
        )
    if d.summary:
        reasons.append(d.summary)
    if kind == LetterKind.APPROVAL:
        outcome = _(
            "Your application is granted. Your relocatee card is issued; you can print it or "
            "add it to a wallet from your case page."
        )
    elif kind == LetterKind.RENEWAL_REFUSAL:
        outcome = _("Your application to renew your relocatee card is refused.")
    else:
        outcome = _("Your application for a relocatee card is refused.")
    blocks = [
        Block(_("The facts"), tuple(facts)),
        Block(_("The reasons, criterion by criterion"), tuple(reasons) or ("-",)),
        Block(_("The decision"), (outcome,)),
    ]
    return blocks, d.confirmed_by


def _change_blocks(
    change: CardStatusChange, kind: str, language: str
) -> tuple[list[Block], object]:
    card = change.card
    facts = (
        _("Your relocatee card %(number)s is valid from %(start)s to %(end)s.")
        % {
            "number": card.number,
            "start": _day(card.valid_from, language),
            "end": _day(card.valid_until, language),
        },
    )
    if kind == LetterKind.SUSPENSION:
        outcome = _(
            "Your card is suspended from the date of this letter: checks of the card answer "
            "that it is not valid until the suspension ends."
        )
    else:
        outcome = _(
            "Your card is revoked from the date of this letter: it is no longer valid and "
            "checks of the card answer so."
        )
    return [
        Block(_("The facts"), facts),
        Block(_("The reasons"), (change.reason,)),
        Block(_("The decision"), (outcome,)),
    ], change.confirmed_by


def _appeal_blocks(appeal: Appeal, language: str) -> tuple[list[Block], object]:
    facts = (
        _("You lodged an appeal on %(date)s against the decision of %(contested)s.")
        % {
            "date": _day(appeal.lodged_at.date(), language),
            "contested": _day(
                (
                    appeal.decision.confirmed_at
                    if appeal.decision is not None
                    else appeal.card_change.confirmed_at
                ).date(),
                language,
            ),
        },
        _("A supervisor who took no part in the contested decision examined it."),
    )
    if appeal.status == AppealStatus.UPHELD:
        outcome = _(
            "Your appeal is upheld: the contested decision is set aside. A refused case is "
            "examined again; a revoked card is valid again."
        )
    else:
        outcome = _("Your appeal is dismissed: the contested decision stands.")
    return [
        Block(_("The facts"), facts),
        Block(_("The reasons"), (appeal.outcome_reason,)),
        Block(_("The decision"), (outcome,)),
    ], appeal.decided_by


def _appeal_until(letter: DecisionLetter, days: int) -> date:
    """The last day to appeal: the decision's recorded deadline; for a revocation, counted from
    its confirmation as the appeal service counts it; else from the letter's date."""
    if letter.decision is not None and letter.decision.appeal_deadline:
        return letter.decision.appeal_deadline
    state = letter.member_state
    if letter.card_change is not None and letter.card_change.confirmed_at is not None:
        return state.local_date(letter.card_change.confirmed_at) + timedelta(days=days)
    return state.local_date(letter.created_at) + timedelta(days=days)


def _remedy_block(letter: DecisionLetter, language: str) -> Block:
    found = remedies(letter.member_state_id)
    appealable = letter.kind in {
        LetterKind.REFUSAL,
        LetterKind.RENEWAL_REFUSAL,
        LetterKind.REVOCATION,
    }
    paragraphs = []
    for remedy in (found.appeal, found.court) if appealable else (found.court,):
        if remedy.kind == "appeal":
            # The appeal's deadline is the member state's setting, the one enforced when an
            # appeal is lodged; the date is the recorded one, or counted the same way.
            days = letter.member_state.appeal_days
            until = _appeal_until(letter, days)
        else:
            days = remedy.deadline_days
            until = letter.member_state.local_date(letter.created_at) + timedelta(days=days)
        paragraphs.append(
            _(
                "%(body)s Form: %(form)s Deadline: %(days)s days from notification of this "
                "decision, that is by %(until)s. Legal basis: %(basis)s."
            )
            % {
                "body": remedy.text("body", language),
                "form": remedy.text("form", language),
                "days": days,
                "until": _day(until, language),
                "basis": remedy.text("basis", language),
            }
        )
    return Block(_("How to challenge this decision"), tuple(paragraphs))


def _part(letter: DecisionLetter, language: str, authentic: str) -> LetterPart:
    with translation.override(language):
        found = remedies(letter.member_state_id)
        authority = found.authority_in(language)
        if letter.decision is not None:
            blocks, official = _decision_blocks(letter.decision, letter.kind, language)
        elif letter.card_change is not None:
            blocks, official = _change_blocks(letter.card_change, letter.kind, language)
        else:
            blocks, official = _appeal_blocks(letter.appeal, language)
        blocks.append(_remedy_block(letter, language))
        issued = letter.member_state.local_date(letter.created_at)
        return LetterPart(
            language=language,
            title=_title(letter.kind, letter.appeal),
            header=(
                (_("Issuing authority"), authority),
                (_("Letter reference"), letter.reference),
                (_("Case reference"), letter.application.reference),
                (_("Date"), _day(issued, language)),
                (_("Addressee (names as in the passport)"), _addressee(_identity(letter))),
            ),
            blocks=tuple(blocks),
            signature=(
                _("For %(authority)s") % {"authority": authority},
                _role(official),
                _(
                    "This letter is sealed electronically by %(authority)s. Check the seal in "
                    "your PDF reader, or the letter's reference on the programme's site "
                    "(page “Check a decision letter”)."
                )
                % {"authority": authority},
            ),
            note="" if language == authentic else _translation_note(authentic),
            footer=_("Letter %(reference)s") % {"reference": letter.reference},
        )


def letter_document(letter: DecisionLetter) -> LetterDocument:
    """The letter in its authentic language, then in Russian."""
    authentic = letter.language
    parts = [_part(letter, authentic, authentic)]
    if authentic != TRANSLATION:
        parts.append(_part(letter, TRANSLATION, authentic))
    return LetterDocument(
        reference=letter.reference,
        language=authentic,
        issued_at=letter.created_at,
        parts=tuple(parts),
        author=remedies(letter.member_state_id).authority_in(authentic),
    )
