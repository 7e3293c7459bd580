"""PDFs with Chinese text: the project's own TrueType font, the fallback chain, the mark for a
character no font has, and the text layer of what was printed."""

import logging
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

from zhiyuan.common import pdf, pdf_fonts

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
HELD_NAMES = ("阿依古丽·买买提", "王𠮷", "刘䶮")


@pytest.fixture(autouse=True)
def fonts_found_again():
    """Each test finds the fonts under its own settings."""
    pdf.forget_fonts()
    yield
    pdf.forget_fonts()


@pytest.fixture
def own_fonts_only(settings):
    """The chain as on a machine with no Chinese font installed: the project's own font only."""
    settings.PDF_FONT_PATH = ""
    settings.PDF_FALLBACK_FONT_PATH = ""
    settings.PDF_SYSTEM_FONTS = False
    return settings


def small_font(path: Path, characters: str) -> Path:
    """A TrueType font at `path` with a square glyph for each of `characters` and nothing else."""
    names = [".notdef", *(f"u{ord(char):04X}" for char in characters)]
    pen = TTGlyphPen(None)
    pen.moveTo((100, 0))
    for point in ((100, 700), (500, 700), (500, 0)):
        pen.lineTo(point)
    pen.closePath()
    square = pen.glyph()
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap(
        {ord(char): name for char, name in zip(characters, names[1:], strict=True)}
    )
    builder.setupGlyf(dict.fromkeys(names, square))
    builder.setupHorizontalMetrics({name: (600, 100) for name in names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Small", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.save(str(path))
    return path


def pdf_text(content: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (apt-get install poppler-utils)")
    path = tmp_path / "test.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def embedded_fonts(content: bytes, tmp_path: Path) -> list[tuple[str, str, str, str]]:
    """(name, type, embedded, subset) of each font `pdffonts` lists."""
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts is missing (apt-get install poppler-utils)")
    path = tmp_path / "fonts.pdf"
    path.write_bytes(content)
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [(f[0], f[1], f[-5], f[-4]) for f in (line.split() for line in lines)]


def test_the_project_carries_its_own_truetype_font(own_fonts_only) -> None:
    chain = pdf.font_chain()
    own = Path(own_fonts_only.PDF_FONT_DIR) / pdf_fonts.font_file_name()
    assert [font.path for font in chain.fonts] == [own]
    with TTFont(str(own), lazy=True) as font:
        assert "glyf" in font
        assert "CFF " not in font
        assert font["name"].getDebugName(4) == "Noto Sans CJK SC"
    for char in "岳阳楼区" + "".join(HELD_NAMES) + pdf.REPLACEMENT:
        assert ord(char) in chain.fonts[0].glyphs, char
    assert pdf.cjk_font_name() == chain.fonts[0].name


def test_installed_fonts_come_after_the_projects_own(settings) -> None:
    if WQY not in pdf.system_cjk_fonts():
        pytest.skip(f"fontconfig does not list {WQY} (apt-get install fonts-wqy-zenhei)")
    settings.PDF_FONT_PATH = ""
    settings.PDF_FALLBACK_FONT_PATH = ""
    settings.PDF_SYSTEM_FONTS = True
    paths = [font.path for font in pdf.font_chain().fonts]
    assert paths[0] == Path(settings.PDF_FONT_DIR) / pdf_fonts.font_file_name()
    assert WQY in paths[1:]


def test_each_character_takes_the_first_font_of_the_chain_that_has_it(
    own_fonts_only, tmp_path
) -> None:
    own_fonts_only.PDF_FONT_PATH = str(small_font(tmp_path / "latin.ttf", "AB <>&"))
    chain = pdf.font_chain()
    latin, own = (font.name for font in chain.fonts)
    assert [font.path for font in chain.fonts][1].name == pdf_fonts.font_file_name()
    assert pdf.font_runs("A岳阳B 𠮷") == [(latin, "A"), (own, "岳阳"), (latin, "B "), (own, "𠮷")]
    assert pdf.markup("<A>&岳") == f'&lt;A&gt;&amp;<font name="{own}">岳</font>'


def test_the_configured_fallback_comes_after_the_projects_font(own_fonts_only, tmp_path) -> None:
    # U+E000 is a private-use character: no font of the chain but this one has it.
    own_fonts_only.PDF_FALLBACK_FONT_PATH = str(small_font(tmp_path / "pua.ttf", "\ue000岳"))
    own, private = pdf.font_chain().fonts
    assert pdf.font_runs("岳\ue000") == [(own.name, "岳"), (private.name, "\ue000")]


def test_held_names_reach_the_text_layer_exactly(own_fonts_only, tmp_path) -> None:
    style = pdf.paragraph_style(size=14)
    story = [pdf.paragraph(name, style) for name in HELD_NAMES]
    with translation.override("en"):
        content = pdf.render_pdf(story, title="测试", footer="王𠮷 · 刘䶮")
    lines = pdf_text(content, tmp_path).splitlines()
    assert [line for line in lines if line and line != "\f"] == [
        *HELD_NAMES,
        "王𠮷 · 刘䶮",
        "Page 1 of 1",
    ]


def test_a_character_no_font_has_prints_the_mark_and_logs_its_code_point(
    own_fonts_only, tmp_path, caplog
) -> None:
    # U+E000 (private use) and U+30000 (CJK Extension G) are in no font of the chain.
    with caplog.at_level(logging.WARNING, logger="zhiyuan.common.pdf"):
        content = pdf.render_pdf(
            [pdf.paragraph("王\ue000明\U00030000", pdf.paragraph_style())],
            title="t",
            footer="李\ue000",
        )
    text = pdf_text(content, tmp_path)
    assert "王〓明〓" in text
    assert "李〓" in text
    messages = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert messages == [
        ("WARNING", "No PDF font has the character U+E000; printed 〓 in its place."),
        ("WARNING", "No PDF font has the character U+30000; printed 〓 in its place."),
        ("WARNING", "No PDF font has the character U+E000; printed 〓 in its place."),
    ]


def test_invisible_format_characters_are_not_marked(own_fonts_only, caplog) -> None:
    # A zero-width joiner or a variation selector has no glyph of its own to print.
    with caplog.at_level(logging.WARNING, logger="zhiyuan.common.pdf"):
        runs = pdf.font_runs("葛\U000e0100亮\u200d")
    assert runs == [(pdf.cjk_font_name(), "葛亮")]
    assert caplog.records == []


def test_rendered_pdf_embeds_a_subset_of_the_truetype_font(own_fonts_only, tmp_path) -> None:
    content = pdf.render_pdf(
        [pdf.paragraph("岳阳楼区 <志愿服务>", pdf.paragraph_style(size=14))],
        title="测试",
        footer="页脚",
    )
    assert b"/FontFile2" in content  # an embedded TrueType font program
    fonts = embedded_fonts(content, tmp_path)
    chinese = [font for font in fonts if font[0].endswith("+NotoSansCJKsc-Regular")]
    assert chinese
    assert {font[1:] for font in chinese} == {("TrueType", "yes", "yes")}
    assert "岳阳楼区 <志愿服务>" in pdf_text(content, tmp_path)


def test_missing_font_file_names_it(settings) -> None:
    settings.PDF_FONT_PATH = "/nonexistent/font.ttf"
    with translation.override("en"), pytest.raises(pdf.FontUnavailable) as raised:
        pdf.cjk_font_name()
    message = str(raised.value)
    assert "/nonexistent/font.ttf" in message
    assert "PDF_FONT_PATH" in message


def test_cff_font_is_refused(settings) -> None:
    settings.PDF_FONT_PATH = str(pdf_fonts.source_path())  # Noto Sans CJK: CFF outlines
    with pytest.raises(pdf.FontUnavailable, match="不是 ReportLab 可嵌入的 TrueType 字体"):
        pdf.font_chain()


@pytest.mark.slow
def test_the_font_is_built_on_first_use_when_missing(own_fonts_only, tmp_path) -> None:
    own_fonts_only.PDF_FONT_DIR = str(tmp_path)
    (font,) = pdf.font_chain().fonts
    assert font.path == tmp_path / pdf_fonts.font_file_name()
    assert {ord("岳"), ord("𠮷")} <= font.glyphs
    assert [path.name for path in tmp_path.iterdir() if not path.name.startswith(".")] == [
        pdf_fonts.font_file_name()
    ]


def test_the_build_command_names_the_font(settings) -> None:
    out = StringIO()
    call_command("build_pdf_fonts", stdout=out)
    assert out.getvalue() == (
        f"The PDF font is {Path(settings.PDF_FONT_DIR) / pdf_fonts.font_file_name()}.\n"
    )


def test_a_table_names_no_font_that_is_not_embedded(own_fonts_only, tmp_path) -> None:
    """ReportLab's Table sets Helvetica as each cell's default font before drawing it, even a
    Paragraph's: without the canvas's guard the PDF listed an unembedded Helvetica."""
    from reportlab.platypus import Table

    style = pdf.paragraph_style(size=10)
    grid = Table([[pdf.paragraph("岳阳楼区", style), "plain text 123"]])
    content = pdf.render_pdf([grid], title="表", footer="页脚")
    fonts = embedded_fonts(content, tmp_path)
    assert fonts and all(embedded == "yes" for _name, _type, embedded, _subset in fonts), fonts
    assert not any("Helvetica" in name for name, *_rest in fonts)
    assert "plain text 123" in pdf_text(content, tmp_path)
