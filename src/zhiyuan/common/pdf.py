"""PDF documents with Chinese text, for every PDF of the platform (charts, forms, certificates).

Every character is drawn in the first font of a fallback chain that has it:

1. `PDF_FONT_PATH`, if set;
2. the project's own font: Noto Sans CJK SC (44,810 characters, CJK Extension B's common ones
   such as 𠮷 among them), installed as a Python package and converted to TrueType outlines once
   (`pdf_fonts.py`), in `PDF_FONT_DIR`;
3. `PDF_FALLBACK_FONT_PATH`, if set;
4. with `PDF_SYSTEM_FONTS` (the default), the TrueType Chinese fonts installed on the machine
   (fontconfig): WenQuanYi Zen Hei, AR PL UMing (more Extension B) and any other. They only add
   characters; none is needed.

ReportLab embeds only TrueType (glyf) outlines; a CFF font (Noto CJK's .otf/.ttc as published)
configured by path is refused, and fontconfig is asked for TrueType fonts only. A character no
font has is printed as REPLACEMENT (〓, the typesetter's mark for a missing character, which a
reader cannot take for a real one as they could □ for 口) and logged as a warning naming its
code point, never the text around it (a person's name). Invisible format characters (joiners,
variation selectors) have no glyph to print and are left out of the drawing.

The API:
- `font_chain()`: the registered fonts, in order (found and registered once per settings);
- `font_runs(text)`: `text` split into (font name, run) pairs by the chain;
- `paragraph_style(...)`, `markup(text)`, `paragraph(text, style)`: Paragraphs whose runs are
  in their fonts; `draw_string(canvas, ...)` does the same for canvas drawing;
- `render_pdf(story, ...)`: the document as bytes, with "page n of N" footers.
Each raises `FontUnavailable` when the chain is empty or a configured font cannot be used.
"""

import hashlib
import logging
import shutil
import subprocess
import threading
import unicodedata
from collections.abc import Iterable, Sequence
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
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

from zhiyuan.common import pdf_fonts

logger = logging.getLogger(__name__)

REPLACEMENT = "\u3013"  # 〓 GETA MARK
# Installed fonts in this order first (file names); any other TrueType Chinese font after them.
PREFERRED_SYSTEM = ("wqy-zenhei.ttc", "wqy-microhei.ttc", "uming.ttc", "ukai.ttc")
# Where Debian puts them, for machines without fontconfig's fc-list.
KNOWN_PATHS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)
_TRUETYPE_SUFFIXES = {".ttf", ".ttc"}


class FontUnavailable(Exception):
    """No usable font for PDFs: the message says what to install or configure."""


@dataclass(frozen=True)
class ChainFont:
    """A registered font of the chain: its ReportLab name, file and characters."""

    name: str
    path: Path
    glyphs: frozenset[int]


@dataclass(frozen=True)
class FontChain:
    fonts: tuple[ChainFont, ...]

    @property
    def main(self) -> ChainFont:
        return self.fonts[0]

    def font_for(self, code: int) -> ChainFont | None:
        """The first font that has the character `code`, or None."""
        return next((font for font in self.fonts if code in font.glyphs), None)


_lock = threading.Lock()
_chains: dict[tuple[Any, ...], FontChain] = {}
_loaded: dict[tuple[Path, int, int], ChainFont] = {}


def _install_hint() -> str:
    return _(
        "Reinstall the project (make install) so that its PDF font is in place, or set "
        "PDF_FONT_PATH to a TrueType font file (.ttf or .ttc) with Chinese characters."
    )


def system_cjk_fonts() -> list[Path]:
    """TrueType font files with Chinese glyphs that fontconfig knows (`fc-list`), preferred
    ones first (PREFERRED_SYSTEM), then by path. Debian's usual paths where fc-list is missing.
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
    usable = [path for path in paths if path.suffix.lower() in _TRUETYPE_SUFFIXES]
    rank = {name: index for index, name in enumerate(PREFERRED_SYSTEM)}
    return sorted(usable, key=lambda path: (rank.get(path.name, len(rank)), str(path)))


def _load(path: Path) -> ChainFont:
    """Register the font file at `path` (the first face of a collection) with ReportLab, once
    per file and version. Raises FontUnavailable if it is missing or not TrueType."""
    try:
        stat = path.stat()
    except OSError:
        raise FontUnavailable(
            _("The PDF font file %(path)s does not exist. %(hint)s")
            % {"path": path, "hint": _install_hint()}
        ) from None
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _loaded:
        name = "Zhiyuan-" + hashlib.sha256(repr(key).encode()).hexdigest()[:12]
        try:
            font = TTFont(name, str(path), subfontIndex=0)
        except TTFError:
            raise FontUnavailable(
                _("The PDF font %(path)s is not a TrueType font ReportLab can embed. %(hint)s")
                % {"path": path, "hint": _install_hint()}
            ) from None
        pdfmetrics.registerFont(font)
        _loaded[key] = ChainFont(name, path, frozenset(font.face.charToGlyph))
    return _loaded[key]


def _own_font() -> Path | None:
    """The project's converted font, built now if it is missing; None without its package."""
    try:
        return pdf_fonts.build(Path(settings.PDF_FONT_DIR))
    except pdf_fonts.SourceMissing as exc:
        logger.warning("The project's PDF font is unavailable: %s.", exc)
        return None


def _discover() -> FontChain:
    paths: list[Path] = []
    if settings.PDF_FONT_PATH:
        paths.append(Path(settings.PDF_FONT_PATH))
    own = _own_font()
    if own is not None:
        paths.append(own)
    if settings.PDF_FALLBACK_FONT_PATH:
        paths.append(Path(settings.PDF_FALLBACK_FONT_PATH))
    required = list(paths)  # configured or the project's own: each must work
    if settings.PDF_SYSTEM_FONTS:
        paths += [path for path in system_cjk_fonts() if path not in paths]
    fonts: list[ChainFont] = []
    for path in paths:
        try:
            fonts.append(_load(path))
        except FontUnavailable:
            if path in required:
                raise
            logger.warning("Skipping the installed font %s: not usable for PDFs.", path)
    if not fonts:
        raise FontUnavailable(
            _("No Chinese font for PDFs was found. %(hint)s") % {"hint": _install_hint()}
        )
    return FontChain(tuple(fonts))


def font_chain() -> FontChain:
    """The fonts of the chain (see the module's docstring), found and registered on first use
    for the current settings. Raises FontUnavailable."""
    key = (
        settings.PDF_FONT_PATH,
        settings.PDF_FALLBACK_FONT_PATH,
        str(settings.PDF_FONT_DIR),
        settings.PDF_SYSTEM_FONTS,
    )
    with _lock:
        if key not in _chains:
            _chains[key] = _discover()
        return _chains[key]


def forget_fonts() -> None:
    """Find the fonts again on next use (fontconfig asked again, the project's font built if it
    went missing). A font file is read again only if it changed (its modification time)."""
    with _lock:
        _chains.clear()


def cjk_font_name() -> str:
    """The registered name of the chain's first font, for styles and canvas drawing."""
    return font_chain().main.name


def _invisible(char: str) -> bool:
    """Format characters and variation selectors: nothing of their own to draw."""
    code = ord(char)
    return (
        unicodedata.category(char) == "Cf" or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF
    )


def font_runs(text: str) -> list[tuple[str, str]]:
    """Split `text` into (font name, run) pairs: each character in the first font of the chain
    that has it (a space stays in the run it follows if that font has it); a character none
    has becomes REPLACEMENT, logged once per call with its code point; invisible characters
    are left out and control characters (line breaks, tabs) become spaces."""
    chain = font_chain()
    runs: list[tuple[str, str]] = []
    current: ChainFont | None = None
    missing: dict[int, None] = {}
    for char in text:
        if unicodedata.category(char) == "Cc":
            char = " "
        elif _invisible(char):
            continue
        code = ord(char)
        keep = char.isspace() and current is not None and code in current.glyphs
        font = current if keep else chain.font_for(code)
        if font is None:
            missing[code] = None
            char = REPLACEMENT
            font = chain.font_for(ord(REPLACEMENT)) or chain.main
        if font is current:
            runs[-1] = (font.name, runs[-1][1] + char)
        else:
            runs.append((font.name, char))
            current = font
    _log_missing(missing)
    return runs


def _log_missing(codes: Iterable[int]) -> None:
    for code in codes:
        logger.warning(
            "No PDF font has the character U+%04X; printed %s in its place.", code, REPLACEMENT
        )


def markup(text: str) -> str:
    """`text` as Paragraph markup: XML-escaped, runs outside the chain's first font wrapped in
    <font name=...>."""
    main = font_chain().main.name
    parts = []
    for name, run in font_runs(text):
        escaped = escape(run)
        parts.append(escaped if name == main else f'<font name="{name}">{escaped}</font>')
    return "".join(parts)


def paragraph_style(
    name: str = "body",
    *,
    size: float = 10,
    leading: float | None = None,
    color: Any = colors.black,
    **options: Any,
) -> ParagraphStyle:
    """A ParagraphStyle in the chain's first font that may break lines between any two CJK
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
    """A Paragraph of plain `text` (not markup) in `style`, each character in its font."""
    return Paragraph(markup(text), style)


def string_width(text: str, size: float) -> float:
    """The width in points of `text` drawn by draw_string at `size`."""
    return sum(pdfmetrics.stringWidth(run, name, size) for name, run in font_runs(text))


def draw_string(
    canvas: Canvas, x: float, y: float, text: str, *, size: float, anchor: str = "start"
) -> None:
    """Draw `text` on `canvas` at (x, y), each character in its font; `anchor` "end" puts the
    text's end at x, "middle" its centre."""
    runs = font_runs(text)
    width = sum(pdfmetrics.stringWidth(run, name, size) for name, run in runs)
    x -= {"start": 0, "middle": width / 2, "end": width}[anchor]
    for name, run in runs:
        canvas.setFont(name, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, name, size)


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """The ToUnicode CMap of a font subset (PDF 1.7, 9.10.3): which character each of the
    subset's codes (0-255) stands for, in blocks of at most 100, as UTF-16BE. ReportLab's own
    (`ttfonts.makeToUnicodeCMap`, replaced by this one below) writes a character beyond the BMP
    without its surrogate pair, 𠮷 (U+20BB7) as <20BB7>, which readers take for U+20BB: text
    extraction, search and copying would lose the character."""
    pairs = [
        f"<{index:02X}> <{chr(code).encode('utf-16-be').hex().upper()}>"
        for index, code in enumerate(subset)
    ]
    blocks = []
    for start in range(0, len(pairs), 100):
        chunk = pairs[start : start + 100]
        blocks += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            f"/CIDSystemInfo << /Registry ({fontname}) /Ordering ({fontname}) /Supplement 0 >> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            *blocks,
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


#: The 14 standard PDF fonts (Helvetica, Times, Courier…): a reader substitutes its own for them,
#: so ReportLab never embeds them.
_STANDARD_FONTS = frozenset(pdfmetrics.standardFonts)


class _NumberedCanvas(Canvas):
    """A canvas that knows the page count when drawing footers: pages are kept until save.

    It also never names a standard font. ReportLab's flowables fall back on Helvetica where no
    font was given: a Table sets its cells' default font (`CellStyle.fontname`) before drawing
    each cell, Paragraphs in it included, which put an unembedded Helvetica in every PDF with a
    table, though no character was drawn in it. Such a request gets the chain's first font."""

    def __init__(self, *args: Any, footer_left: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer_left = footer_left
        self._pages: list[dict[str, Any]] = []

    def setFont(self, psfontname: str, size: float, leading: float | None = None) -> None:
        if psfontname in _STANDARD_FONTS:
            psfontname = cjk_font_name()
        super().setFont(psfontname, size, leading)

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
        draw_string(self, 15 * mm, 8 * mm, self._footer_left, size=8)
        page = _("Page %(n)s of %(total)s") % {"n": number, "total": total}
        draw_string(self, width - 15 * mm, 8 * mm, page, size=8, anchor="end")


def render_pdf(
    story: list[Flowable],
    *,
    title: str,
    pagesize: tuple[float, float] = A4,
    footer: str = "",
) -> bytes:
    """Lay out `story` on pages of `pagesize` (points; e.g. `landscape(A4)`) with 15 mm margins
    and a footer of `footer` (left) and "page n of N" (right); returns the PDF's bytes.

    `title` goes into the document's metadata. Raises FontUnavailable (see `font_chain`).
    """
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        title=title,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        initialFontName=cjk_font_name(),
    )
    document.build(story, canvasmaker=partial(_NumberedCanvas, footer_left=footer))
    return buffer.getvalue()
