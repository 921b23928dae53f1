"""Segment pages: the list, the create/edit form, a segment's members (paged) and their CSV.

The form covers the common filters with labelled controls (one activity rule, one
per-source level rule); anything richer is written as JSON in its "Definition (JSON)"
box, which wins when filled (docs/segments.md). Every change goes through
townhall.core.services.segments; "Evaluate now" calls the analytics evaluation.
"""

from __future__ import annotations

import csv
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts.permissions import can_manage_members, member_for
from townhall.analytics.scoring import scoring_config
from townhall.analytics.segments import evaluate_segment_now
from townhall.core.models import Member, MemberChannelScore, Organization, Role, Segment, Source
from townhall.core.services.segments import (
    TRENDS,
    SegmentDefinition,
    create_segment,
    parse_definition,
    update_segment,
)

PAGE_SIZE = 50
ANY = ""
YES_NO = [(ANY, "Any"), ("yes", "Yes"), ("no", "No")]


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_members(request.user):
        raise PermissionDenied("Segments are for community managers and admins.")


def _names(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class SegmentForm(forms.Form):
    """The common filters as fields; `definition_json` (when filled) replaces them."""

    name = forms.CharField(max_length=255, label="Name")
    slug = forms.SlugField(
        max_length=64, required=False, label="Slug", help_text="Used in URLs, the API and exports."
    )
    description = forms.CharField(
        required=False, label="Description", widget=forms.Textarea(attrs={"rows": 2})
    )
    is_employee = forms.ChoiceField(choices=YES_NO, required=False, label="Employees")
    include_bots = forms.BooleanField(required=False, label="Include bots")
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, label="Roles", widget=forms.CheckboxSelectMultiple
    )
    email_domain = forms.CharField(
        max_length=255, required=False, label="Email domain", help_text="e.g. example.com"
    )
    organizations = forms.CharField(
        required=False,
        label="Organizations",
        help_text="Names, separated by commas: members of any of them.",
    )
    score_min = forms.FloatField(required=False, label="Score at least")
    score_max = forms.FloatField(required=False, label="Score at most")
    love_min = forms.FloatField(required=False, label="Love at least")
    reach_min = forms.FloatField(required=False, label="Reach at least")
    levels = forms.MultipleChoiceField(
        choices=[], required=False, label="Levels", widget=forms.CheckboxSelectMultiple
    )
    superuser = forms.ChoiceField(choices=YES_NO, required=False, label="Superusers")
    trends = forms.MultipleChoiceField(
        choices=[(t, t.replace("-", " ").capitalize()) for t in TRENDS],
        required=False,
        label="Trends",
        widget=forms.CheckboxSelectMultiple,
    )
    source_level_source = forms.ChoiceField(choices=[], required=False, label="Level on source")
    source_level_levels = forms.MultipleChoiceField(
        choices=[],
        required=False,
        label="Levels on that source",
        widget=forms.CheckboxSelectMultiple,
    )
    sources = forms.MultipleChoiceField(
        choices=[],
        required=False,
        label="Active on sources",
        widget=forms.CheckboxSelectMultiple,
    )
    sources_days = forms.IntegerField(
        min_value=1,
        max_value=3650,
        initial=365,
        required=False,
        label="Active on them within the last (days)",
    )
    activity_kinds = forms.CharField(
        required=False,
        label="Activity kinds",
        help_text="Kinds separated by commas (message, reply, question…); empty: any kind.",
    )
    activity_sources = forms.CharField(
        required=False,
        label="Activity sources",
        help_text="Sources separated by commas; empty: any.",
    )
    activity_min = forms.IntegerField(
        min_value=1, required=False, label="At least this many activities"
    )
    activity_days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, label="Activities counted over the last (days)"
    )
    definition_json = forms.CharField(
        required=False,
        label="Definition (JSON)",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text="Optional. When filled, it is the definition and the fields above are "
        "ignored (see docs/segments.md).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = [(name, name) for name in scoring_config().level_names]
        sources = [(s.slug, s.name or s.slug) for s in Source.objects.order_by("slug")]
        self.fields["levels"].choices = levels  # type: ignore[attr-defined]
        self.fields["source_level_levels"].choices = levels  # type: ignore[attr-defined]
        self.fields["source_level_source"].choices = [(ANY, "—"), *sources]  # type: ignore[attr-defined]
        self.fields["sources"].choices = sources  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["definition"] = self._definition(data)
        except ValidationError as error:
            field = "definition_json" if (data.get("definition_json") or "").strip() else None
            self.add_error(field, error)
        return data

    def _definition(self, data: dict[str, Any]) -> SegmentDefinition:
        raw = (data.get("definition_json") or "").strip()
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError as error:
                raise ValidationError(f"This is not valid JSON: {error}") from None
            if not isinstance(parsed, dict):
                raise ValidationError("The definition is a JSON object ({…}).")
            return parse_definition(parsed)
        definition: dict[str, Any] = {"attributes": {}, "scores": {}}
        attributes = definition["attributes"]
        if data.get("is_employee"):
            attributes["is_employee"] = data["is_employee"] == "yes"
        if data.get("include_bots"):
            attributes["include_bots"] = True
        if data.get("roles"):
            attributes["roles"] = list(data["roles"])
        if data.get("email_domain"):
            attributes["email_domain"] = data["email_domain"].strip().lstrip("@")
        names = _names(data.get("organizations", ""))
        if names:
            found = {
                o.name.lower(): o.pk
                for o in Organization.objects.filter(
                    name__in=names
                )  # exact names; case-insensitive fallback below
            }
            for name in names:
                if name.lower() not in found:
                    match = Organization.objects.filter(name__iexact=name).first()
                    if match is None:
                        raise ValidationError(f"No organization is called {name!r}.")
                    found[name.lower()] = match.pk
            definition["organizations"] = sorted(set(found.values()))
        for name, low, high in (
            ("score", "score_min", "score_max"),
            ("love", "love_min", None),
            ("reach", "reach_min", None),
        ):
            bounds = {}
            if data.get(low) is not None:
                bounds["min"] = data[low]
            if high and data.get(high) is not None:
                bounds["max"] = data[high]
            if bounds:
                definition["scores"][name] = bounds
        if data.get("levels"):
            definition["levels"] = list(data["levels"])
        if data.get("superuser"):
            definition["superuser"] = data["superuser"] == "yes"
        if data.get("trends"):
            definition["trends"] = list(data["trends"])
        if data.get("source_level_source"):
            if not data.get("source_level_levels"):
                raise ValidationError("Choose the levels to look for on that source.")
            definition["source_levels"] = [
                {"source": data["source_level_source"], "levels": list(data["source_level_levels"])}
            ]
        if data.get("sources"):
            definition["sources"] = list(data["sources"])
            if data.get("sources_days"):
                definition["sources_days"] = data["sources_days"]
        kinds, rule_sources = (
            _names(data.get("activity_kinds", "")),
            _names(data.get("activity_sources", "")),
        )
        if kinds or rule_sources or data.get("activity_min") or data.get("activity_days"):
            rule: dict[str, Any] = {"kinds": kinds, "sources": rule_sources}
            if data.get("activity_min"):
                rule["min_count"] = data["activity_min"]
            if data.get("activity_days"):
                rule["days"] = data["activity_days"]
            definition["activity"] = [rule]
        return parse_definition(definition)


def initial_from(segment: Segment) -> dict[str, Any]:
    """The form's initial values for an existing segment (JSON when the fields cannot say it)."""
    d = parse_definition(segment.definition)
    a = d.attributes
    initial: dict[str, Any] = {
        "name": segment.name,
        "slug": segment.slug,
        "description": segment.description,
        "is_employee": "" if a.is_employee is None else ("yes" if a.is_employee else "no"),
        "include_bots": a.include_bots,
        "roles": a.roles,
        "email_domain": a.email_domain,
        "organizations": ", ".join(
            Organization.objects.filter(pk__in=d.organizations).values_list("name", flat=True)
        ),
        "score_min": d.scores.score.min if d.scores.score else None,
        "score_max": d.scores.score.max if d.scores.score else None,
        "love_min": d.scores.love.min if d.scores.love else None,
        "reach_min": d.scores.reach.min if d.scores.reach else None,
        "levels": d.levels,
        "superuser": "" if d.superuser is None else ("yes" if d.superuser else "no"),
        "trends": d.trends,
        "sources": d.sources,
        "sources_days": d.sources_days,
    }
    if d.source_levels:
        initial["source_level_source"] = d.source_levels[0].source
        initial["source_level_levels"] = d.source_levels[0].levels
    if d.activity:
        rule = d.activity[0]
        initial.update(
            activity_kinds=", ".join(rule.kinds),
            activity_sources=", ".join(rule.sources),
            activity_min=rule.min_count,
            activity_days=rule.days,
        )
    beyond_fields = (
        len(d.activity) > 1
        or len(d.source_levels) > 1
        or bool(a.fields)
        or a.joined_after is not None
        or a.joined_before is not None
        or (d.scores.love is not None and d.scores.love.max is not None)
        or (d.scores.reach is not None and d.scores.reach.max is not None)
    )
    if beyond_fields:
        initial["definition_json"] = json.dumps(d.as_json(), indent=2)
    return initial


@require_GET
@login_required
def segment_list(request: HttpRequest) -> HttpResponse:
    """Every segment with its member count and when it was last evaluated."""
    _require_manager(request)
    segments = Segment.objects.select_related("created_by").order_by("name")
    return render(request, "analytics/segments.html", {"nav": "analytics", "segments": segments})


@require_http_methods(["GET", "POST"])
@login_required
def segment_create(request: HttpRequest) -> HttpResponse:
    """A new segment from the form; it is evaluated right away."""
    _require_manager(request)
    form = SegmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            segment = create_segment(
                name=form.cleaned_data["name"],
                slug=form.cleaned_data.get("slug") or "",
                description=form.cleaned_data.get("description") or "",
                definition=form.cleaned_data["definition"],
                by=member_for(request.user),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _evaluate(request, segment)
            return redirect("analytics:segment", slug=segment.slug)
    return render(
        request,
        "analytics/segment_form.html",
        {"nav": "analytics", "form": form, "segment": None},
    )


@require_http_methods(["GET", "POST"])
@login_required
def segment_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Change a segment's name, description or filter; it is evaluated again."""
    _require_manager(request)
    segment = get_object_or_404(Segment, slug=slug)
    if request.method == "POST":
        form = SegmentForm(request.POST)
        form.fields["slug"].disabled = True
        form.initial["slug"] = segment.slug
        if form.is_valid():
            try:
                segment = update_segment(
                    segment,
                    by=member_for(request.user),
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data.get("description") or "",
                    definition=form.cleaned_data["definition"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                _evaluate(request, segment)
                return redirect("analytics:segment", slug=segment.slug)
    else:
        form = SegmentForm(initial=initial_from(segment))
        form.fields["slug"].disabled = True
    return render(
        request,
        "analytics/segment_form.html",
        {"nav": "analytics", "form": form, "segment": segment},
    )


def _evaluate(request: HttpRequest, segment: Segment) -> None:
    try:
        written = evaluate_segment_now(segment)
    except Exception as error:  # the engine or snapshot failed: the segment is saved anyway
        messages.warning(
            request, f"Saved, but it could not be evaluated now ({error}); the next analysis will."
        )
        return
    messages.success(
        request,
        f"{segment.name}: {written.members:,} members "
        f"({written.added:,} added, {written.removed:,} removed).",
    )


@require_POST
@login_required
def segment_evaluate(request: HttpRequest, slug: str) -> HttpResponse:
    """Re-evaluate the segment now, then show its members."""
    _require_manager(request)
    segment = get_object_or_404(Segment, slug=slug)
    _evaluate(request, segment)
    return redirect("analytics:segment", slug=segment.slug)


def segment_members(segment: Segment) -> Any:
    """The segment's members with what the page and the CSV show, oldest membership first."""
    return (
        Member.objects.filter(segment_memberships__segment=segment)
        .select_related("organization", "score")
        .prefetch_related(
            Prefetch("channel_scores", queryset=MemberChannelScore.objects.order_by("source"))
        )
        .order_by("pk")
    )


@require_GET
@login_required
def segment_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A segment: its definition in words, and its members, PAGE_SIZE at a time."""
    _require_manager(request)
    segment = get_object_or_404(Segment.objects.select_related("created_by"), slug=slug)
    page = Paginator(segment_members(segment), PAGE_SIZE).get_page(request.GET.get("page"))
    definition = parse_definition(segment.definition)
    return render(
        request,
        "analytics/segment_detail.html",
        {
            "nav": "analytics",
            "segment": segment,
            "page": page,
            "definition_json": json.dumps(definition.as_json(), indent=2),
            "show_email": True,
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_COLUMNS = ["id", "name", "email", "organization", "is_employee", "score", "level"]


@require_GET
@login_required
def segment_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Every member of the segment as CSV, streamed (no page limit)."""
    _require_manager(request)
    segment = get_object_or_404(Segment, slug=slug)
    writer = csv.writer(_Echo())

    def rows() -> Any:
        yield writer.writerow(CSV_COLUMNS)
        members = (
            Member.objects.filter(segment_memberships__segment=segment)
            .select_related("organization", "score")
            .order_by("pk")
        )
        for member in members.iterator(chunk_size=2000):
            score = getattr(member, "score", None)
            yield writer.writerow(
                [
                    member.pk,
                    member.display_name,
                    member.primary_email,
                    member.organization.name if member.organization else "",
                    member.is_employee,
                    round(score.score, 2) if score else "",
                    score.level if score else "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="segment-{segment.slug}.csv"'
    return response


urlpatterns = [
    path("segments/", segment_list, name="segments"),
    path("segments/new/", segment_create, name="segment_create"),
    path("segments/<slug:slug>/", segment_detail, name="segment"),
    path("segments/<slug:slug>/edit/", segment_edit, name="segment_edit"),
    path("segments/<slug:slug>/evaluate/", segment_evaluate, name="segment_evaluate"),
    path("segments/<slug:slug>/members.csv", segment_csv, name="segment_csv"),
]
