"""PDFs with Chinese text: finding and embedding a TrueType CJK font, the fallback font."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from zhiyuan.common import pdf

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
NOTO_CFF = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _needs(*paths: Path) -> None:
    for path in paths:
        if not path.is_file():
            pytest.skip(f"{path} is not installed")


@pytest.fixture(autouse=True)
def fonts_found_again():
    """Each test finds the fonts under its own settings."""
    pdf.forget_fonts()
    yield
    pdf.forget_fonts()


def test_wenquanyi_is_preferred_and_cff_never_chosen() -> None:
    candidates = [
        Path("/fonts/arphic/uming.ttc"),
        Path("/fonts/noto/NotoSansCJK-Regular.otf"),
        Path("/fonts/wqy/wqy-zenhei.ttc"),
    ]
    assert pdf.choose_font(candidates, pdf.PREFERRED_MAIN) == Path("/fonts/wqy/wqy-zenhei.ttc")
    assert pdf.choose_font(
        candidates, pdf.PREFERRED_FALLBACK, exclude=Path("/fonts/wqy/wqy-zenhei.ttc")
    ) == Path("/fonts/arphic/uming.ttc")
    assert pdf.choose_font([Path("/fonts/noto/NotoSansCJK-Regular.otf")], ()) is None
    assert pdf.choose_font([], pdf.PREFERRED_MAIN) is None


def test_system_font_is_wenquanyi(settings) -> None:
    _needs(WQY)
    settings.PDF_FONT_PATH = ""
    assert pdf.cjk_fonts().main_path == WQY
    assert pdf.cjk_font_name() == pdf.MAIN_FONT
    assert ord("岳") in pdf.cjk_fonts().main_glyphs


def test_missing_font_file_names_what_to_install(settings) -> None:
    settings.PDF_FONT_PATH = "/nonexistent/font.ttf"
    with pytest.raises(pdf.FontUnavailable) as raised:
        pdf.cjk_font_name()
    message = str(raised.value)
    assert "/nonexistent/font.ttf" in message
    assert "apt-get install fonts-wqy-zenhei" in message
    assert "PDF_FONT_PATH" in message


def test_cff_font_is_refused(settings) -> None:
    _needs(NOTO_CFF)
    settings.PDF_FONT_PATH = str(NOTO_CFF)
    with pytest.raises(pdf.FontUnavailable, match="不是 ReportLab 可嵌入的 TrueType 字体"):
        pdf.cjk_fonts()


def test_characters_missing_from_the_main_font_use_the_fallback(settings) -> None:
    # DejaVu Sans has Latin but no Chinese glyphs: the Chinese runs go to the fallback.
    _needs(DEJAVU, WQY)
    settings.PDF_FONT_PATH = str(DEJAVU)
    settings.PDF_FALLBACK_FONT_PATH = str(WQY)
    fonts = pdf.cjk_fonts()
    assert fonts.fallback == pdf.FALLBACK_FONT
    assert pdf.font_runs("A岳阳B", fonts) == [
        (pdf.MAIN_FONT, "A"),
        (pdf.FALLBACK_FONT, "岳阳"),
        (pdf.MAIN_FONT, "B"),
    ]
    assert pdf.markup("<岳>&") == '&lt;<font name="ZhiyuanCJKFallback">岳</font>&gt;&amp;'


def test_without_a_fallback_everything_stays_in_the_main_font(settings) -> None:
    _needs(WQY)
    settings.PDF_FONT_PATH = str(WQY)
    settings.PDF_FALLBACK_FONT_PATH = ""
    fonts = pdf.CjkFonts(WQY, pdf.cjk_fonts().main_glyphs)
    rare = "\U00020000"  # CJK Extension B, not in WenQuanYi Zen Hei
    assert pdf.font_runs(f"岳{rare}", fonts) == [(pdf.MAIN_FONT, f"岳{rare}")]


def test_rendered_pdf_embeds_the_font_and_numbers_pages(settings, tmp_path) -> None:
    _needs(WQY)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing (apt-get install poppler-utils)")
    settings.PDF_FONT_PATH = str(WQY)
    with translation.override("en"):
        content = pdf.render_pdf(
            [pdf.paragraph("岳阳楼区 <志愿服务>", pdf.paragraph_style(size=14))],
            title="测试",
            footer="页脚",
        )
    assert b"/FontFile2" in content  # an embedded TrueType font program
    path = tmp_path / "test.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "岳阳楼区 <志愿服务>" in text
    assert "页脚" in text
    assert "Page 1 of 1" in text
