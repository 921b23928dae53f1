"""Forms for the community pages; the verbs do the real checking."""

from __future__ import annotations

from typing import Any

from django import forms

from townhall.community.models import BODY_MAX, TITLE_MAX, Board, IdeaStatus
from townhall.community.permissions import can_start
from townhall.core.models import Member

BODY_HELP = "Markdown: **bold**, `code`, > quotes, lists, links. Mention someone with @Name or @[Full Name]."


class TopicForm(forms.Form):
    kind = forms.ChoiceField(label="What are you posting?", widget=forms.RadioSelect)
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(
        label="Details",
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        max_length=BODY_MAX,
        help_text=BODY_HELP,
    )
    tags = forms.CharField(
        required=False, max_length=300, help_text="Up to 5, separated by commas."
    )

    def __init__(self, *args: Any, board: Board, member: Member | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(k, label) for k, label in board.allowed_kind_choices if can_start(k, member)]
        self.fields["kind"].choices = choices
        if len(choices) == 1:
            self.fields["kind"].initial = choices[0][0]

    def tag_names(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=BODY_MAX,
        help_text=BODY_HELP,
    )


class IdeaStatusForm(forms.Form):
    status = forms.ChoiceField(label="New status", choices=IdeaStatus.choices)
    comment = forms.CharField(
        label="Official comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=BODY_MAX,
        help_text="Voters are notified with this comment.",
    )
    duplicate_of = forms.IntegerField(
        label="Original idea number",
        required=False,
        min_value=1,
        help_text="Only for duplicates: the number in the original idea's address.",
    )


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(
        label="Article",
        widget=forms.Textarea(attrs={"rows": 18}),
        max_length=BODY_MAX,
        help_text=BODY_HELP,
    )
