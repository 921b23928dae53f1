"""Brand tokens keep text readable; template helpers; htmx is pinned and served by the app."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from townhall.web.brand import (
    AA_CONTRAST,
    DARK_SURFACES,
    LIGHT_SURFACES,
    contrast,
    palette,
    parse_hex,
)
from townhall.web.templatetags.townhall_web import initials, safe_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "color", ["#4f46e5", "#ffcc00", "#777777", "#22c55e", "#0f172a", "#ffffff", "#000", "#e11d48"]
)
def test_any_brand_colour_gives_readable_links_and_buttons(color):
    tokens = palette(color)
    for surface in LIGHT_SURFACES:
        assert contrast(parse_hex(tokens.text_light), parse_hex(surface)) >= AA_CONTRAST
    for surface in DARK_SURFACES:
        assert contrast(parse_hex(tokens.text_dark), parse_hex(surface)) >= AA_CONTRAST
    assert contrast(parse_hex(tokens.fill), parse_hex(tokens.on_brand)) >= AA_CONTRAST


def test_a_brand_colour_that_is_not_hex_falls_back_to_the_default():
    assert palette("url(javascript:x)").brand == "#4f46e5"
    assert palette("#ABC").brand == "#aabbcc"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ada Lovelace", "AL"),
        ("ada", "A"),
        ("", "?"),
        ("jean.dupont@example.org", "JD"),
        ("Member 12", "M1"),
    ],
)
def test_initials(name, expected):
    assert initials(name) == expected


def test_safe_url_allows_http_only():
    assert safe_url("https://github.com/x") == "https://github.com/x"
    assert safe_url(" javascript:alert(1)") == ""
    assert safe_url("data:text/html,hi") == ""
    assert safe_url(None) == ""


def test_htmx_is_pinned_exactly_to_a_2_x_release_and_locked():
    package = json.loads((ROOT / "package.json").read_text())
    version = package["dependencies"]["htmx.org"]
    assert re.fullmatch(r"2\.\d+\.\d+", version)
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/htmx.org"]["version"] == version


def test_vendor_script_copies_htmx_and_its_licence():
    script = (ROOT / "scripts" / "vendor-static.sh").read_text()
    assert "npm ci --no-audit --no-fund" in script
    assert "dist/htmx.min.js LICENSE" in script
    assert "townhall/web/static/vendor/" in script


def test_the_stylesheet_has_tokens_dark_mode_reduced_motion_and_focus():
    css = (ROOT / "townhall" / "web" / "static" / "web" / "townhall.css").read_text()
    for needle in (
        "--space-1: 4px",
        "--radius",
        "--shadow",
        "prefers-color-scheme: dark",
        "prefers-reduced-motion: reduce",
        ":focus-visible",
        "system-ui",
    ):
        assert needle in css
