"""Forms of the moderation pages; the verbs do the real checking."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from townhall.community.models_moderation import FLAG_TEXT_MAX, FlagReason

BAN_LENGTHS = [
    ("1", "1 day"),
    ("3", "3 days"),
    ("7", "1 week"),
    ("30", "30 days"),
    ("365", "1 year"),
    ("", "Permanently"),
]


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this post?", choices=FlagReason.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label="Tell the moderators more",
        required=False,
        max_length=FLAG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed for “Something else”. Only moderators read it.",
    )


class BanForm(forms.Form):
    length = forms.ChoiceField(label="For how long", choices=BAN_LENGTHS, required=False)
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The member is shown this when they try to post.",
    )

    def until(self) -> datetime | None:
        days = self.cleaned_data.get("length")
        return timezone.now() + timedelta(days=int(days)) if days else None
