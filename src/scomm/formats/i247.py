"""The I-247 "Immigration Detainer – Notice of Action", rendered as HTML and as PDF.

Pure: a :class:`DetainerNotice` in, a page out; no database, no clock. What the form says lives
in data, not here: box wordings per revision in ``data/i247_form.yaml`` and the six-language
notice to the subject with the hotline in ``data/i247_notice.yaml`` (reference domain-data.md
section 4), so a wording fix or a new revision is an edit to a YAML file and its date.

The revision is chosen by the date of issue: I-247 (12/11) until the National Detainer Guidance
of 2012-12-21, I-247 (12/12) from then on. The 12/12 form replaced the "Initiated an
investigation" box with the probable-cause bases, so which basis boxes a notice may tick depends
on its date and is checked when the notice is built, not when it is printed.

Both outputs end with the subject's copy on its own page, because the form asks the agency to
serve a copy on the subject and that page is the part the subject can read.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from scomm.domain.errors import InvalidInput

TEMPLATES = Path(__file__).parent / "templates"
CHECKED, UNCHECKED = "☒", "☐"
NOT_RECORDED = "—"


@dataclass(frozen=True)
class Box:
    """One checkbox of the form; ``when`` names the notice flag that ticks it (None: always)."""

    id: str
    text: str
    when: str | None = None


@dataclass(frozen=True)
class FormRevision:
    form: str
    effective_from: date
    basis_heading: str
    basis: tuple[Box, ...]
    secure_communities_basis: tuple[str, ...]
    requests: tuple[Box, ...]


@dataclass(frozen=True)
class Form:
    agency: str
    title: str
    fields: Mapping[str, str]
    requests_heading: str
    revisions: tuple[FormRevision, ...]

    def revision_on(self, day: date) -> FormRevision:
        """The revision in force on ``day``; days before the first modelled one get the first,
        so a 2009 detainer still prints (the pre-12/11 forms are not modelled)."""
        in_force = [r for r in self.revisions if r.effective_from <= day]
        return in_force[-1] if in_force else self.revisions[0]


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    script: str
    heading: str
    notice: str
    hotline: str


@dataclass(frozen=True)
class SubjectNotice:
    hotline_number: str
    hotline_summary: str
    languages: tuple[Language, ...]

    @property
    def hotline_tel(self) -> str:
        """The hotline as a ``tel:`` URI (RFC 3966), so a phone can dial it from the page."""
        return "tel:+1" + "".join(c for c in self.hotline_number if c.isdigit())


def _read(name: str) -> Any:
    data = resources.files("scomm.formats").joinpath("data", name)
    return yaml.safe_load(data.read_text(encoding="utf-8"))


def _boxes(raw: list[dict[str, str]]) -> tuple[Box, ...]:
    return tuple(Box(b["id"], b["text"], b.get("when")) for b in raw)


@lru_cache(maxsize=1)
def load_form() -> Form:
    """The form's wordings, read once: every notice of a run prints from the same data."""
    raw = _read("i247_form.yaml")
    revisions = tuple(sorted(
        (FormRevision(form=r["form"], effective_from=r["effective_from"],
                      basis_heading=r["basis_heading"], basis=_boxes(r["basis"]),
                      secure_communities_basis=tuple(r["secure_communities_basis"]),
                      requests=_boxes(r["requests"]))
         for r in raw["revisions"]),
        key=lambda r: r.effective_from))
    return Form(agency=raw["agency"], title=raw["title"], fields=dict(raw["fields"]),
                requests_heading=raw["requests_heading"], revisions=revisions)


@lru_cache(maxsize=1)
def load_subject_notice() -> SubjectNotice:
    """The six-language notice and the hotline, read once like :func:`load_form`."""
    raw = _read("i247_notice.yaml")
    return SubjectNotice(hotline_number=raw["hotline"]["number"],
                         hotline_summary=raw["hotline"]["summary"],
                         languages=tuple(Language(**lang) for lang in raw["languages"]))


@dataclass(frozen=True)
class DetainerNotice:
    """What one detainer's I-247 shows.

    ``issued_at`` must be time-zone aware; the date of issue (printed, and deciding the
    revision) is its UTC date, because instants are stored in UTC and the record keeps no time
    zone for the issuing office. ``basis`` names the revision's basis boxes to tick; empty means
    the box an IDENT match under Secure Communities leads to (``secure_communities_basis`` in
    the form data), so a caller holding only the detainer row still gets a truthful form.
    ``nationality`` is the country of citizenship or birth as the booking recorded it, not a
    finding.
    """

    detainer_id: str
    event_number: str
    to_institution: str
    to_ori: str
    from_office: str
    subject_name: str
    date_of_birth: date
    sex: str
    nationality: str
    issued_at: datetime
    operative_upon_conviction: bool
    a_number: str | None = None
    subject_id: str | None = None
    basis: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.issued_at.utcoffset() is None:
            raise InvalidInput("issued_at", "must be time-zone aware (UTC)")
        allowed = [b.id for b in self.revision.basis]
        unknown = [b for b in self.basis if b not in allowed]
        if unknown:
            raise InvalidInput("basis", f"{unknown} are not boxes of {self.form_revision}; "
                                        f"choose from {allowed}")

    @property
    def issued_on(self) -> date:
        return self.issued_at.astimezone(UTC).date()

    @property
    def revision(self) -> FormRevision:
        return load_form().revision_on(self.issued_on)

    @property
    def form_revision(self) -> str:
        return self.revision.form

    @property
    def checked_basis(self) -> tuple[str, ...]:
        return self.basis or self.revision.secure_communities_basis


@dataclass(frozen=True)
class _CheckedBox:
    id: str
    text: str
    checked: bool

    @property
    def mark(self) -> str:
        return CHECKED if self.checked else UNCHECKED


@dataclass(frozen=True)
class _View:
    """Everything both renderers print, computed once so HTML and PDF cannot disagree."""

    notice: DetainerNotice
    form: Form
    revision: FormRevision
    fields: tuple[tuple[str, str], ...]
    basis: tuple[_CheckedBox, ...]
    requests: tuple[_CheckedBox, ...]
    subject: SubjectNotice


def _view(notice: DetainerNotice) -> _View:
    form, revision = load_form(), notice.revision
    values = {
        "detainer_id": notice.detainer_id,
        "event_number": notice.event_number,
        "subject_id": notice.subject_id or NOT_RECORDED,
        "a_number": notice.a_number or NOT_RECORDED,
        "issued_on": notice.issued_on.isoformat(),
        "to": f"{notice.to_institution} / {notice.to_ori}",
        "from": notice.from_office,
        "name": notice.subject_name,
        "date_of_birth": notice.date_of_birth.isoformat(),
        "sex": notice.sex,
        "nationality": notice.nationality,
    }
    flags = {"operative_upon_conviction": notice.operative_upon_conviction}
    return _View(
        notice=notice, form=form, revision=revision,
        fields=tuple((label, values[key]) for key, label in form.fields.items()),
        basis=tuple(_CheckedBox(b.id, b.text, b.id in notice.checked_basis)
                    for b in revision.basis),
        requests=tuple(_CheckedBox(b.id, b.text, b.when is None or flags[b.when])
                       for b in revision.requests),
        subject=load_subject_notice())


@lru_cache(maxsize=1)
def _jinja() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(notice: DetainerNotice) -> str:
    """A self-contained, printable page: no scripts, no external fonts or styles."""
    return _jinja().get_template("i247.html").render(view=_view(notice))


LATIN, LATIN_BOLD, HAN = "DejaVuSans", "DejaVuSans-Bold", "STSong-Light"


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    """Register the PDF fonts once per process (reportlab keeps a global registry).

    Latin and Vietnamese text use DejaVu Sans, taken from the copy matplotlib ships: it covers
    every diacritic the six languages need and the ☒/☐ marks, and it is already installed, so
    nothing is downloaded at run time. Chinese uses reportlab's built-in CID font STSong-Light:
    no CJK TrueType font ships with our dependencies, and a CID font needs no file at all: the
    PDF names Adobe's GB1 collection and the viewer supplies the glyphs.
    """
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(LATIN, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(LATIN_BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(LATIN, normal=LATIN, bold=LATIN_BOLD, italic=LATIN,
                                  boldItalic=LATIN_BOLD)
    pdfmetrics.registerFont(UnicodeCIDFont(HAN))


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=LATIN, fontSize=9.5, leading=12.5)
    return {
        "body": body,
        "agency": ParagraphStyle("agency", body, alignment=TA_CENTER),
        "title": ParagraphStyle("title", body, fontName=LATIN_BOLD, fontSize=15, leading=19,
                                alignment=TA_CENTER, spaceAfter=4),
        "heading": ParagraphStyle("heading", body, fontName=LATIN_BOLD, fontSize=10.5,
                                  leading=14, spaceBefore=10, spaceAfter=4),
        "label": ParagraphStyle("label", body, fontName=LATIN_BOLD),
        "box": ParagraphStyle("box", body, leftIndent=16, firstLineIndent=-16, spaceAfter=3),
        "hotline": ParagraphStyle("hotline", body, fontName=LATIN_BOLD, fontSize=14, leading=18,
                                  alignment=TA_CENTER),
        "latin": ParagraphStyle("latin", body, spaceAfter=4),
        "latin-heading": ParagraphStyle("latin-heading", body, fontName=LATIN_BOLD,
                                        fontSize=11, leading=15, spaceBefore=8),
        # CJK wrapping breaks between characters; Chinese has no spaces to break at. The CID
        # font has no bold face, so the heading is set larger instead.
        "han": ParagraphStyle("han", body, fontName=HAN, fontSize=10, leading=14,
                              wordWrap="CJK", spaceAfter=4),
        "han-heading": ParagraphStyle("han-heading", body, fontName=HAN, fontSize=12,
                                      leading=16, wordWrap="CJK", spaceBefore=8),
    }


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: reportlab parses its own markup, so data is escaped first."""
    return Paragraph(escape(text), style)


def _boxes_pdf(boxes: tuple[_CheckedBox, ...], style: ParagraphStyle) -> list[Flowable]:
    return [_para(f"{b.mark}  {b.text}", style) for b in boxes]


def render_pdf(notice: DetainerNotice) -> bytes:
    """The same content as :func:`render_html`, as a US Letter PDF.

    Built in reportlab's invariant mode (fixed dates and document id), so the same notice
    always gives the same bytes: the file can be hashed into the audit log and compared.
    """
    _register_fonts()
    view, s = _view(notice), _styles()
    form, subject = view.form, view.subject
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=LETTER, invariant=1, lang="en",
        leftMargin=0.75 * inch, rightMargin=0.75 * inch, topMargin=0.7 * inch,
        bottomMargin=0.7 * inch, title=f"{view.revision.form} {form.title}, {notice.detainer_id}",
        author=form.agency, subject=view.revision.form, creator="scomm")

    fields = Table([[_para(label, s["label"]), _para(value, s["body"])]
                    for label, value in view.fields],
                   colWidths=[2.4 * inch, 4.6 * inch])
    fields.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))

    def hotline_banner() -> Table:
        banner = Table([[_para(f"Toll-free hotline {subject.hotline_number}", s["hotline"])],
                        [_para(subject.hotline_summary, s["agency"])]], colWidths=[7 * inch])
        banner.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                                    ("BACKGROUND", (0, 0), (-1, -1), colors.lightyellow)]))
        return banner

    story: list[Flowable] = [
        _para(form.agency, s["agency"]),
        _para(form.title, s["title"]),
        _para(f"Form {view.revision.form} · Detainer No. {notice.detainer_id}", s["agency"]),
        Spacer(1, 8), fields,
        _para(view.revision.basis_heading, s["heading"]), *_boxes_pdf(view.basis, s["box"]),
        _para(form.requests_heading, s["heading"]), *_boxes_pdf(view.requests, s["box"]),
        Spacer(1, 10), hotline_banner(),
        PageBreak(),
        _para(f"{form.title}: copy for the subject ({notice.subject_name}, "
              f"Detainer No. {notice.detainer_id})", s["title"]),
        hotline_banner(),
    ]
    for lang in subject.languages:
        story.append(KeepTogether([
            _para(f"{lang.heading} ({lang.name})", s[f"{lang.script}-heading"]),
            _para(lang.notice, s[lang.script]),
            _para(lang.hotline, s[lang.script]),
        ]))
    doc.build(story)
    return buf.getvalue()
