"""The ROI report: computed once, stored, shown on pages and the API, exported."""

from datetime import date

import pytest
from django.contrib.auth.models import User

from townhall.core.models import Member, Role
from townhall.core.services.record import ensure_native_member
from townhall.roi.report import build_report, export_html, load_report, report_path, save_report
from townhall.roi.synthetic import seed_crm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture(scope="module")
def stored_report(django_db_setup, django_db_blocker, tmp_path_factory):
    """One synthetic CRM and its report for the whole module (seeding takes seconds)."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            seed_crm(220, seed=5)
            report = build_report(as_of=date(2025, 12, 31), n_bootstrap=30)
            transaction.set_rollback(True)
    return report


def login(client, *, role):
    user = User.objects.create_user("cm@example.com", "cm@example.com", "pw-12345-long")
    member = ensure_native_member(user, name="Casey")
    Member.objects.filter(pk=member.pk).update(role=role)
    client.force_login(user)


def test_the_report_holds_every_topic_with_evidence_levels(stored_report):
    topics = {f["topic"] for f in stored_report["findings"]}
    assert topics == {"sales", "retention", "support"}
    levels = {f["evidence"] for f in stored_report["findings"]}
    assert "quasi-experiment" in levels and levels <= {"adjusted", "quasi-experiment", "none"}
    assert [row["cohort"] for row in stored_report["outcomes"]["deals"]] == [
        "outside",
        "member",
        "active",
    ]


def test_saved_reports_are_read_back_whole(stored_report):
    assert load_report() is None
    save_report(stored_report)
    assert load_report() == stored_report
    assert report_path().exists()


def test_pages_show_the_findings_to_community_managers_only(client, stored_report):
    login(client, role=Role.MEMBER)
    assert client.get("/roi/").status_code == 403
    Member.objects.update(role=Role.COMMUNITY_MANAGER)
    page = client.get("/roi/").content.decode()
    assert "No report yet" in page
    save_report(stored_report)
    page = client.get("/roi/sales/").content.decode()
    assert "Days to win a deal" in page and "adjusted" in page
    assert 'id="roi-charts"' in page
    assert client.get("/roi/nonsense/").status_code == 404


def test_the_api_serves_the_stored_report(client, stored_report):
    login(client, role=Role.COMMUNITY_MANAGER)
    assert client.get("/api/v1/roi/report").status_code == 404
    save_report(stored_report)
    findings = client.get("/api/v1/roi/findings", {"topic": "support"}).json()
    assert [f["evidence"] for f in findings] == ["quasi-experiment"]


def test_the_html_export_is_self_contained(stored_report):
    html = export_html(stored_report)
    assert "<script src=" not in html and "<link" not in html
    assert "vegaEmbed" in html and "Days to win a deal" in html


@pytest.mark.browser
def test_the_pdf_export_prints_the_report_with_headless_chromium(stored_report, tmp_path):
    from townhall.roi.report import export_pdf

    html = tmp_path / "report.html"
    html.write_text(export_html(stored_report), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    export_pdf(html, pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 10_000
