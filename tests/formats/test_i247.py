"""The I-247 notice: six languages and the hotline, the conditional box, the 12/12 revision
switch, escaping, and a PDF whose text (Latin, Vietnamese and Chinese) can be read back."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pypdf import PdfReader

from scomm.domain.errors import InvalidInput
from scomm.formats.i247 import DetainerNotice, load_subject_notice, render_html, render_pdf

HOTLINE = "(855) 448-6903"
LANGUAGES = ("en", "es", "fr", "pt", "zh-Hans", "vi")
SWITCH = datetime(2012, 12, 21, tzinfo=UTC)
INVESTIGATION = "Initiated an investigation to determine whether this person is subject to removal"
PROBABLE_CAUSE = "probable cause exists that the subject is a removable alien"


def notice(**changes: Any) -> DetainerNotice:
    base = DetainerNotice(
        detainer_id="DET-35013-20120611-0042", event_number="35013-20120611-0042",
        to_institution="Doña Ana County Detention Center", to_ori="NM0070000",
        from_office="ICE ERO El Paso", subject_name="Ravoki, Tesu Mal",
        date_of_birth=date(1984, 2, 3), sex="M", nationality="MM",
        issued_at=datetime(2012, 6, 12, 4, 30, tzinfo=UTC), operative_upon_conviction=False,
        a_number="A012345678", subject_id="1234567")
    return replace(base, **changes)


def squash(text: str) -> str:
    return " ".join(text.split())


def box(html: str, box_id: str) -> str:
    found = re.search(rf'<li data-box="{box_id}"[^>]*>.*?</li>', html, re.S)
    assert found, box_id
    return found.group(0)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_html_has_six_language_sections_each_with_the_hotline() -> None:
    html = render_html(notice())
    sections = dict(re.findall(r'<section class="notice" lang="([^"]+)"[^>]*>(.*?)</section>',
                               html, re.S))
    assert tuple(sections) == LANGUAGES
    for lang, body in sections.items():
        assert HOTLINE in body, lang
    assert "Tiếng Việt" in sections["vi"] and "中文" in sections["zh-Hans"]
    banner = re.search(r'<aside class="hotline".*?</aside>', html, re.S)
    assert banner and HOTLINE in banner.group(0) and 'href="tel:+18554486903"' in banner.group(0)
    assert html.index(banner.group(0)) < html.index('lang="en" aria-labelledby')


@pytest.mark.parametrize("conditional", [True, False])
def test_operative_upon_conviction_box_follows_the_notice(conditional: bool) -> None:
    html = render_html(notice(operative_upon_conviction=conditional))
    li = box(html, "operative_upon_conviction")
    assert "operative only upon the subject&#39;s conviction" in li
    assert ("☒" in li) is conditional and ("☐" in li) is not conditional
    for always in ("maintain_custody", "notify_release", "notify_transfer", "serve_copy"):
        assert "☒" in box(html, always), always
    assert "excluding Saturdays, Sundays, and holidays" in box(html, "maintain_custody")


def test_revision_switches_on_2012_12_21() -> None:
    before = notice(issued_at=SWITCH - timedelta(seconds=1))
    after = notice(issued_at=SWITCH)
    assert before.form_revision == "I-247 (12/11)" and after.form_revision == "I-247 (12/12)"

    old = render_html(before)
    assert "I-247 (12/11)" in old and INVESTIGATION in old and PROBABLE_CAUSE not in old
    assert "☒" in box(old, "investigation")

    new = render_html(after)
    assert "I-247 (12/12)" in new and PROBABLE_CAUSE in new and INVESTIGATION not in new
    for basis in ("final_order", "pending_proceedings", "biometric_records",
                  "subject_statements"):
        box(new, basis)
    assert "☒" in box(new, "biometric_records") and "☐" in box(new, "final_order")


def test_issue_date_is_the_utc_date() -> None:
    # 19:00 in El Paso on 2012-12-20 is already 2012-12-21 in UTC.
    mountain = timezone(timedelta(hours=-7))
    evening = notice(issued_at=datetime(2012, 12, 20, 19, 0, tzinfo=mountain))
    assert evening.issued_on == date(2012, 12, 21) and evening.form_revision == "I-247 (12/12)"


def test_basis_comes_from_the_notice_and_must_fit_the_revision() -> None:
    html = render_html(notice(issued_at=SWITCH, basis=("final_order", "subject_statements")))
    assert "☒" in box(html, "final_order") and "☒" in box(html, "subject_statements")
    assert "☐" in box(html, "biometric_records")
    with pytest.raises(InvalidInput, match="basis"):
        notice(issued_at=SWITCH, basis=("investigation",))
    with pytest.raises(InvalidInput, match="issued_at"):
        notice(issued_at=datetime(2012, 6, 12, 4, 30))


def test_html_escapes_data() -> None:
    html = render_html(notice(subject_name="<script>alert(1)</script>", to_ori='NM"007'))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "NM&#34;007" in html


def test_pdf_carries_the_notice_in_every_script() -> None:
    pdf = render_pdf(notice(subject_name="Nguyễn, Thị Hồng <b>"))
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    flat = squash(text)
    assert HOTLINE in flat and "Nguyễn, Thị Hồng <b>" in flat
    languages = {lang.code: lang for lang in load_subject_notice().languages}
    for code in ("en", "vi"):
        assert squash(languages[code].notice) in flat, code
        assert squash(languages[code].hotline) in flat, code
    assert "Bộ An ninh Nội địa Hoa Kỳ" in flat and "7 giờ sáng đến nửa đêm" in flat
    assert flat.count(HOTLINE) >= len(LANGUAGES)
    # Chinese is set in the STSong-Light CID font; its line breaks fall between characters.
    assert b"/STSong-Light" in pdf
    assert "".join(languages["zh-Hans"].notice.split()) in "".join(text.split())
    assert "☒" in flat and "☐" in flat


def test_pdf_is_deterministic() -> None:
    assert render_pdf(notice()) == render_pdf(notice())
    assert render_pdf(notice()) != render_pdf(notice(operative_upon_conviction=True))
