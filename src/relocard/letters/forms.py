from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from relocard.letters.references import normalise_reference

#: A sealed letter is a few dozen kilobytes; anything far larger is not one of ours.
MAX_LETTER_BYTES = 2 * 1024 * 1024


class LetterCheckForm(forms.Form):
    reference = forms.CharField(
        label=_("Letter reference"),
        help_text=_("As printed at the top of the letter, e.g. RL-ABCDE-FGHJK-LMNPQ-RSTUV."),
        max_length=40,
    )
    file = forms.FileField(
        label=_("The letter as a PDF file (optional)"),
        help_text=_("To check that your copy is exactly the sealed letter."),
        required=False,
    )

    def clean_reference(self) -> str:
        reference = normalise_reference(self.cleaned_data["reference"])
        if reference is None:
            raise forms.ValidationError(
                _(
                    "A letter reference looks like RL-ABCDE-FGHJK-LMNPQ-RSTUV: RL and 20 letters and digits."
                )
            )
        return reference

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        limit = getattr(settings, "RELOCARD_LETTER_CHECK_MAX_BYTES", MAX_LETTER_BYTES)
        if upload.size > limit:
            raise forms.ValidationError(
                _("This file is larger than any decision letter (%(mb)s MB at most).")
                % {"mb": limit // (1024 * 1024)}
            )
        data = upload.read()
        if not data.startswith(b"%PDF-"):
            raise forms.ValidationError(_("This file is not a PDF document."))
        return data
