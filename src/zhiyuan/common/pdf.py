"""PDF documents with Chinese text, for every PDF of the platform (charts, forms, certificates).

ReportLab embeds only TrueType (glyf) outlines, so the main font must be a TrueType CJK font:
WenQuanYi Zen Hei (Debian: fonts-wqy-zenhei) is preferred. CFF/OpenType outlines, such as Noto
CJK's .ttc/.otf files, cannot be embedded and are never chosen. A second TrueType font, if one
is installed (AR PL UMing from fonts-arphic-uming is preferred), draws the rare characters the
main font lacks, character by character.

The API:
- `cjk_font_name()`: the registered name of the main font (registers the fonts once);
- `paragraph_style(...)`: a ParagraphStyle in that font that breaks lines between CJK characters;
- `markup(text)`: escapes `text` for a Paragraph and wraps runs the main font lacks in the
  fallback font; `paragraph(text, style)` builds the Paragraph;
- `render_pdf(story, ...)`: the document as bytes, with "page n of N" footers.
Each raises `FontUnavailable` (naming what to install) when no usable font exists.
"""

import shutil
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

MAIN_FONT = "ZhiyuanCJK"
FALLBACK_FONT = "ZhiyuanCJKFallback"
# File names in order of preference; any other TrueType font with Chinese glyphs comes after.
PREFERRED_MAIN = ("wqy-zenhei.ttc", "wqy-microhei.ttc")
PREFERRED_FALLBACK = ("uming.ttc", "ukai.ttc")
# Where Debian puts them, for machines without fontconfig's fc-list.
KNOWN_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)
_TRUETYPE_SUFFIXES = {".ttf", ".ttc"}


class FontUnavailable(Exception):
    """No usable CJK TrueType font: the message says what to install or configure."""


@dataclass(frozen=True)
class CjkFonts:
    """The registered fonts: the main one and, if any, the fallback for characters it lacks."""

    main_path: Path
    main_glyphs: frozenset[int]
    fallback_path: Path | None = None
    fallback_glyphs: frozenset[int] = frozenset()

    @property
    def fallback(self) -> str | None:
        return FALLBACK_FONT if self.fallback_path is not None else None


_lock = threading.Lock()
_fonts: CjkFonts | None = None


def _install_hint() -> str:
    return _(
        "No Chinese TrueType font for PDFs was found. Install one (on Debian/Ubuntu: "
        "apt-get install fonts-wqy-zenhei) or set PDF_FONT_PATH to a .ttf or .ttc file."
    )


def system_cjk_fonts() -> list[Path]:
    """TrueType font files with Chinese glyphs that fontconfig knows (`fc-list`), sorted.

    Empty when fontconfig is not installed. CFF fonts are excluded by the query itself.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return [path for path in KNOWN_PATHS if path.is_file()]
    result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [fc_list, ":lang=zh:fontformat=TrueType", "file"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    paths = {Path(line.strip().rstrip(":")) for line in result.stdout.splitlines() if line.strip()}
    return sorted(path for path in paths if path.suffix.lower() in _TRUETYPE_SUFFIXES)


def choose_font(
    candidates: Sequence[Path], preferred: Sequence[str], *, exclude: Path | None = None
) -> Path | None:
    """The first candidate whose file name is in `preferred` (in that order), else the first
    TrueType candidate; `exclude` (the main font, when choosing a fallback) is skipped."""
    usable = [
        path for path in candidates if path.suffix.lower() in _TRUETYPE_SUFFIXES and path != exclude
    ]
    for name in preferred:
        for path in usable:
            if path.name == name:
                return path
    return usable[0] if usable else None


def _load(name: str, path: Path) -> frozenset[int]:
    """Register the font file at `path` (first face of a collection) under `name`.

    Raises FontUnavailable if the file is missing or has outlines ReportLab cannot embed.
    """
    if not path.is_file():
        raise FontUnavailable(
            _("The PDF font file %(path)s does not exist. %(hint)s")
            % {"path": path, "hint": _install_hint()}
        )
    try:
        font = TTFont(name, str(path), subfontIndex=0)
    except TTFError:
        raise FontUnavailable(
            _("The PDF font %(path)s is not a TrueType font ReportLab can embed. %(hint)s")
            % {"path": path, "hint": _install_hint()}
        ) from None
    pdfmetrics.registerFont(font)
    return frozenset(font.face.charToGlyph)


def _discover() -> CjkFonts:
    configured = settings.PDF_FONT_PATH
    system = [] if configured and settings.PDF_FALLBACK_FONT_PATH else system_cjk_fonts()
    main = Path(configured) if configured else choose_font(system, PREFERRED_MAIN)
    if main is None:
        raise FontUnavailable(_install_hint())
    main_glyphs = _load(MAIN_FONT, main)
    configured_fallback = settings.PDF_FALLBACK_FONT_PATH
    fallback = (
        Path(configured_fallback)
        if configured_fallback
        else choose_font(system, PREFERRED_FALLBACK, exclude=main)
    )
    if fallback is None:
        return CjkFonts(main, main_glyphs)
    return CjkFonts(main, main_glyphs, fallback, _load(FALLBACK_FONT, fallback))


def cjk_fonts() -> CjkFonts:
    """The main and fallback fonts, found and registered with ReportLab on first use.

    Order: settings.PDF_FONT_PATH (env PDF_FONT_PATH), else fontconfig's TrueType fonts with
    Chinese glyphs, WenQuanYi Zen Hei first. Raises FontUnavailable when there is none.
    """
    global _fonts
    with _lock:
        if _fonts is None:
            _fonts = _discover()
        return _fonts


def forget_fonts() -> None:
    """Find the fonts again on next use (after PDF_FONT_PATH changed, in tests)."""
    global _fonts
    with _lock:
        _fonts = None


def cjk_font_name() -> str:
    """The registered name of the main CJK font, for styles and canvas drawing."""
    cjk_fonts()
    return MAIN_FONT


def font_runs(text: str, fonts: CjkFonts) -> list[tuple[str, str]]:
    """Split `text` into (font name, run) pairs: characters the main font lacks but the
    fallback has go to the fallback; everything else (missing from both, too) to the main."""
    runs: list[tuple[str, str]] = []
    for char in text:
        code = ord(char)
        use_fallback = (
            fonts.fallback is not None
            and code not in fonts.main_glyphs
            and code in fonts.fallback_glyphs
        )
        name = FALLBACK_FONT if use_fallback else MAIN_FONT
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + char)
        else:
            runs.append((name, char))
    return runs


def markup(text: str) -> str:
    """`text` as Paragraph markup: XML-escaped, fallback runs wrapped in <font name=...>."""
    parts = []
    for name, run in font_runs(text, cjk_fonts()):
        escaped = escape(run)
        parts.append(escaped if name == MAIN_FONT else f'<font name="{name}">{escaped}</font>')
    return "".join(parts)


def paragraph_style(
    name: str = "body",
    *,
    size: float = 10,
    leading: float | None = None,
    color: Any = colors.black,
    **options: Any,
) -> ParagraphStyle:
    """A ParagraphStyle in the main CJK font that may break lines between any two CJK
    characters (wordWrap "CJK"); `options` are further ParagraphStyle attributes."""
    return ParagraphStyle(
        name,
        fontName=cjk_font_name(),
        fontSize=size,
        leading=leading if leading is not None else size * 1.35,
        textColor=color,
        wordWrap="CJK",
        **options,
    )


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of plain `text` (not markup) in `style`, rare characters in the fallback."""
    return Paragraph(markup(text), style)


class _NumberedCanvas(Canvas):
    """A canvas that knows the page count when drawing footers: pages are kept until save."""

    def __init__(self, *args: Any, footer_left: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer_left = footer_left
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, total: int) -> None:
        width, _height = self._pagesize
        self.setFillColor(colors.grey)
        self.setFont(MAIN_FONT, 8)
        self.drawString(15 * mm, 8 * mm, self._footer_left)
        self.drawRightString(
            width - 15 * mm, 8 * mm, _("Page %(n)s of %(total)s") % {"n": number, "total": total}
        )


def render_pdf(
    story: list[Flowable],
    *,
    title: str,
    pagesize: tuple[float, float] = A4,
    footer: str = "",
) -> bytes:
    """Lay out `story` on pages of `pagesize` (points; e.g. `landscape(A4)`) with 15 mm margins
    and a footer of `footer` (left) and "page n of N" (right); returns the PDF's bytes.

    `title` goes into the document's metadata. Raises FontUnavailable (see `cjk_fonts`).
    """
    cjk_fonts()
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        title=title,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        initialFontName=MAIN_FONT,
    )
    document.build(story, canvasmaker=partial(_NumberedCanvas, footer_left=footer))
    return buffer.getvalue()
