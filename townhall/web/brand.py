"""Design tokens derived from the company's brand colour (`TOWNHALL_BRAND_COLOR`).

Any colour a company picks must still give readable pages, so the tokens are computed
here rather than taken as given: text on a brand-coloured button is black or white,
whichever contrasts more, and links use a shade of the brand darkened (light theme) or
lightened (dark theme) until it reaches WCAG AA contrast (4.5:1) on the page surfaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_BRAND = "#4f46e5"
_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

# The surfaces of townhall.css that brand-coloured text sits on (cards and page bg).
LIGHT_SURFACES = ("#ffffff", "#f6f7f9")
DARK_SURFACES = ("#171a21", "#0f1115")
AA_CONTRAST = 4.5

RGB = tuple[float, float, float]


def parse_hex(value: str) -> RGB | None:
    match = _HEX.match(value.strip())
    if not match:
        return None
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def to_hex(rgb: RGB) -> str:
    return "#" + "".join(f"{round(max(0, min(255, c))):02x}" for c in rgb)


def _linear(channel: float) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: RGB) -> float:
    """Relative luminance as WCAG 2 defines it."""
    r, g, b = (_linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _mix(rgb: RGB, toward: RGB, amount: float) -> RGB:
    r, g, b = (c + (t - c) * amount for c, t in zip(rgb, toward, strict=True))
    return (r, g, b)


def _readable_on(rgb: RGB, surfaces: tuple[str, ...], toward: RGB) -> RGB:
    """`rgb` moved toward `toward` in 5 % steps until it reaches AA on every surface."""
    backgrounds = [parse_hex(s) for s in surfaces]
    for step in range(21):
        candidate = _mix(rgb, toward, step / 20)
        if all(bg and contrast(candidate, bg) >= AA_CONTRAST for bg in backgrounds):
            return candidate
    return toward


@dataclass(frozen=True)
class Palette:
    brand: str  # the colour as configured (normalized), for accents and charts
    fill: str  # buttons and other fills with text on them: the brand, darkened if need be
    on_brand: str  # text on `fill`
    text_light: str  # brand-coloured text and links on the light theme
    text_dark: str  # brand-coloured text and links on the dark theme

    def css(self) -> str:
        """A `:root` rule that sets the brand tokens townhall.css builds on."""
        return (
            f":root{{--brand:{self.brand};--brand-fill:{self.fill};--on-brand:{self.on_brand};"
            f"--brand-text-light:{self.text_light};--brand-text-dark:{self.text_dark}}}"
        )


@lru_cache(maxsize=16)
def palette(color: str) -> Palette:
    """The brand tokens for `color`; a value that is not a hex colour falls back to the default."""
    rgb = parse_hex(color or "") or parse_hex(DEFAULT_BRAND)
    assert rgb is not None
    white, black = (255.0, 255.0, 255.0), (17.0, 19.0, 24.0)
    on_brand = white if contrast(rgb, white) >= contrast(rgb, black) else black
    fill = rgb
    if contrast(rgb, on_brand) < AA_CONTRAST:
        # A mid-tone brand reads poorly with both black and white text: darken the fill.
        on_brand = white
        fill = _readable_on(rgb, ("#ffffff",), (0.0, 0.0, 0.0))
    return Palette(
        brand=to_hex(rgb),
        fill=to_hex(fill),
        on_brand=to_hex(on_brand),
        text_light=to_hex(_readable_on(rgb, LIGHT_SURFACES, (0.0, 0.0, 0.0))),
        text_dark=to_hex(_readable_on(rgb, DARK_SURFACES, white)),
    )
