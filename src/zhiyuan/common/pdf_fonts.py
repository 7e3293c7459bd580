"""The project's own PDF font: Noto Sans CJK SC with TrueType outlines, built once from the
font package the project installs.

ReportLab embeds only TrueType (glyf) outlines, and the Chinese fonts on the package registries
ship PostScript (CFF) outlines: Noto Sans CJK (PyPI `noto-cjk-sans-otc`, SIL Open Font License
1.1) covers 44,810 characters, CJK Extension A and 2,108 of Extension B among them (𠮷, 䶮).
`build(directory)` converts its Simplified Chinese face: only the glyphs its character map
reaches, each cubic outline approximated by quadratic ones (fontTools' cu2qu, within 1 unit of
1,000 per em), without the layout tables ReportLab does not read. It takes half a minute and
half a gigabyte once; `make install` runs it (`python -m zhiyuan.common.pdf_fonts var/fonts`),
and `zhiyuan.common.pdf` runs it on first use when the file is missing. The file's name carries
the package's version and the converter's, so an upgrade builds a new one.

No Django here: the Makefile runs it before any settings exist.
"""

import fcntl
import os
import sys
from importlib import metadata
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

PACKAGE = "noto-cjk-sans-otc"
SOURCE_FACE = 2  # in NotoSansCJK-Regular.ttc: JP, KR, SC, TC, HK, then the Mono faces
CONVERTER_VERSION = 1  # raise when the conversion changes: the cached file's name changes with it
MAX_ERROR = 1.0  # font units (1,000 per em) a quadratic curve may stray from the cubic one


class SourceMissing(Exception):
    """The font package is not installed: reinstall the project."""


def source_path() -> Path:
    """NotoSansCJK-Regular.ttc inside the installed font package. Raises SourceMissing."""
    try:
        import noto_cjk_sans_otc  # an optional import: without it, PDFs use other fonts
    except ImportError:
        raise SourceMissing(f"the Python package {PACKAGE} is not installed") from None
    return Path(str(noto_cjk_sans_otc.FONT_PATH))


def font_file_name() -> str:
    """The converted font's file name, e.g. NotoSansCJKsc-Regular-0.0.1-tt1.ttf."""
    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        raise SourceMissing(f"the Python package {PACKAGE} is not installed") from None
    return f"NotoSansCJKsc-Regular-{version}-tt{CONVERTER_VERSION}.ttf"


def build(directory: Path) -> Path:
    """The converted font in `directory`, built if it is not there yet; returns its path.

    Safe to run from several processes at once (a lock file serialises them; the file appears
    whole, by rename). Raises SourceMissing when the font package is missing.
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / font_file_name()
    if target.is_file():
        return target
    with open(directory / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_file():
            partial = target.with_suffix(f".{os.getpid()}.part")
            try:
                _convert(source_path(), partial)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
    return target


def _convert(source: Path, target: Path) -> None:
    """Write `source`'s SOURCE_FACE to `target` with quadratic (TrueType) outlines."""
    with TTFont(str(source), fontNumber=SOURCE_FACE, lazy=True) as font:
        cmap = font.getBestCmap()
        order = [".notdef", *sorted(set(cmap.values()) - {".notdef"}, key=font.getGlyphID)]
        glyph_set = font.getGlyphSet()
        glyphs = {}
        for name in order:
            pen = TTGlyphPen(None)
            glyph_set[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
            glyphs[name] = pen.glyph()
        head, hhea, post, metrics = font["head"], font["hhea"], font["post"], font["hmtx"].metrics
        builder = FontBuilder(head.unitsPerEm, isTTF=True)
        builder.setupGlyphOrder(order)
        builder.setupCharacterMap(cmap)
        builder.setupGlyf(glyphs)
        builder.setupHorizontalMetrics({name: metrics[name] for name in order})
        builder.setupHorizontalHeader(
            ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap
        )
        builder.setupHead(
            unitsPerEm=head.unitsPerEm,
            fontRevision=head.fontRevision,
            created=head.created,
            macStyle=head.macStyle,
        )
        builder.setupPost(
            italicAngle=post.italicAngle,
            underlinePosition=post.underlinePosition,
            underlineThickness=post.underlineThickness,
            isFixedPitch=post.isFixedPitch,
            keepGlyphNames=False,
        )
        builder.setupMaxp()
        builder.font["name"] = font["name"]  # the names and the licence notice, unchanged
        builder.font["OS/2"] = font["OS/2"]  # weights, metrics and the embedding permission
        builder.save(str(target))


def main(argv: list[str]) -> int:
    """`python -m zhiyuan.common.pdf_fonts DIRECTORY`: build the font there (make install)."""
    if len(argv) != 1:
        print("usage: python -m zhiyuan.common.pdf_fonts DIRECTORY", file=sys.stderr)
        return 2
    directory = Path(argv[0])
    try:
        name = font_file_name()
        if not (directory / name).is_file():
            print(f"Converting Noto Sans CJK SC to TrueType outlines for PDFs: {directory / name}")
        build(directory)
    except SourceMissing as exc:
        print(f"Cannot build the PDF font: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
