"""Template helpers for the analytics forms."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


@register.filter
def fields_named(form: forms.Form, names: str) -> list[BoundField]:
    """The form's bound fields named in `names` (space-separated), in that order."""
    return [form[name] for name in names.split()]
