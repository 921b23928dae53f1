from __future__ import annotations

from django import forms

from townhall.groups.models import Privacy


class GroupForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(
        max_length=64, required=False, label="Address", help_text="Made from the name when empty."
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=2000
    )
    privacy = forms.ChoiceField(
        choices=Privacy.choices, widget=forms.RadioSelect, initial=Privacy.PUBLIC
    )


class InviteForm(forms.Form):
    who = forms.CharField(
        max_length=254,
        label="Invite a member",
        help_text="Their exact name, email address or profile number.",
    )
