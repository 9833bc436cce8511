"""The NCIC offense catalog: size, coverage of every category, validation on load, lookup."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from scomm.domain.errors import InvalidInput
from scomm.policy.catalog import COLUMNS, OffenseCatalog, load_catalog

# Every 2-digit NCIC category in the FBI offense-code list (NIEM ncic:OFFCodeSimpleType).
FBI_SERIES = {
    "01", "02", "03", "09", "10", "11", "12", "13", "14", "16", "17", "20", "21", "22", "23",
    "24", "25", "26", "27", "28", "29", "35", "36", "37", "38", "39", "40", "41", "48", "49",
    "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63", "64",
    "70", "71", "72", "73", "80", "81",
}  # fmt: skip


def _csv_text() -> str:
    folder = resources.files("scomm.policy").joinpath("data")
    return folder.joinpath("ncic_offenses.csv").read_text("utf-8")


def _with_row(replace_code: str, **changes: str) -> str:
    """The packaged CSV with one row's columns changed."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in csv.DictReader(io.StringIO(_csv_text())):
        if row["code"] == replace_code:
            row.update(changes)
        writer.writerow(row)
    return out.getvalue()


def test_catalog_has_at_least_250_codes_and_every_category() -> None:
    catalog = load_catalog()
    assert len(catalog) >= 250
    assert set(catalog.categories()) == FBI_SERIES
    official = [c for c in catalog.codes() if catalog.get(c).official]
    assert len(official) >= 250


def test_codes_are_four_digit_unique_and_named_by_category() -> None:
    catalog = load_catalog()
    codes = catalog.codes()
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 4 and c.isdigit() for c in codes)
    grouped = catalog.by_category()
    assert sum(len(v) for v in grouped.values()) == len(catalog)
    assert catalog.get("0902").literal == "HOMICIDE - WILLFUL KILL-FAMILY-WEAPON"
    assert catalog.get("0902").category == "Homicide"
    assert catalog.get("5404").category == "Traffic Offenses"
    assert catalog.categories()["35"] == "Dangerous Drugs"


def test_xx99_is_the_describe_offense_row() -> None:
    catalog = load_catalog()
    for code in catalog.codes():
        if code.endswith("99"):
            literal = catalog.get(code).literal
            assert "DESCRIBE OFFENSE" in literal or "SEE MIS" in literal, code


def test_grade_and_sentence_are_consistent() -> None:
    for code in load_catalog().codes():
        o = load_catalog().get(code)
        if o.grade == "felony":
            assert o.max_sentence_days > 365
        elif o.grade == "misdemeanor":
            assert 1 <= o.max_sentence_days <= 365
        else:
            assert o.max_sentence_days == 0
        assert o.is_felony == (o.grade == "felony")


def test_minor_traffic_never_dui_hit_and_run_or_reckless_injury() -> None:
    catalog = load_catalog()
    for code in ("5401", "5403", "5404", "5486", "5487", "5488"):
        assert not catalog.get(code).minor_traffic, code
    minor = [c for c in catalog.codes() if catalog.get(c).minor_traffic]
    assert "5499" in minor and "5481" in minor
    assert all(c.startswith("54") for c in minor)


def test_every_row_says_where_it_comes_from() -> None:
    catalog = load_catalog()
    for code in catalog.codes():
        o = catalog.get(code)
        assert "SC level" in o.source and "unverified" in o.source, code
        if not o.official:
            assert "NOT in the FBI list" in o.source
        if o.aggravated_felony_class:
            assert f"101(a)(43)({o.aggravated_felony_class})" in o.source


def test_violent_follows_poms_series() -> None:
    catalog = load_catalog()
    for code in catalog.codes():
        if code[:2] in {"09", "10", "11", "12", "13"} or code in {"1602", "2101", "5215", "5216"}:
            assert catalog.get(code).violent, code
    assert not catalog.get("2303").violent


def test_unknown_code_falls_back_to_describe_offense() -> None:
    catalog = load_catalog()
    assert catalog.get("5460").code == "5499"
    assert catalog.get("2350").code == "2399"
    assert catalog.get("6321").code == "6300"  # no 6399: the generic xx00


@pytest.mark.parametrize("code", ["9000", "1699", "04AB", "123", 1313])
def test_unknown_series_or_malformed_code_is_invalid_input(code: object) -> None:
    with pytest.raises(InvalidInput) as err:
        load_catalog().get(code)  # type: ignore[arg-type]
    assert err.value.where == "ncic_code"


@pytest.mark.parametrize(
    ("code", "changes", "message"),
    [
        ("5404", {"minor_traffic": "true"}, "never minor traffic"),
        ("5401", {"minor_traffic": "true"}, "never minor traffic"),
        ("2303", {"minor_traffic": "true"}, "series 54"),
        ("0903", {"max_sentence_days": "365"}, "felony needs > 365"),
        ("2303", {"max_sentence_days": "400"}, "misdemeanor needs 1..365"),
        ("5483", {"max_sentence_days": "30"}, "infraction needs 0"),
        ("2303", {"grade": "petty"}, "felony/misdemeanor/infraction"),
        ("2303", {"violent": "yes"}, "true or false"),
        ("2303", {"aggravated_felony_class": "Z"}, "101(a)(43)"),
        ("2303", {"sc_level_2008": "4"}, "1, 2 or 3"),
        ("2303", {"source": ""}, "must not be empty"),
        ("2303", {"code": "23X3"}, "4 digits"),
        ("2303", {"code": "2304"}, "duplicate code"),
        ("2303", {"category": "Theft"}, "category"),
    ],
)
def test_bad_row_fails_loudly_naming_it(code: str, changes: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        OffenseCatalog.from_csv(_with_row(code, **changes))
    assert message in str(err.value)
    assert "ncic_offenses.csv" in str(err.value)


def test_bad_header_fails() -> None:
    text = _csv_text().replace("minor_traffic", "minor", 1)
    with pytest.raises(InvalidInput, match="header"):
        OffenseCatalog.from_csv(text)


def test_row_names_its_line() -> None:
    with pytest.raises(InvalidInput) as err:
        OffenseCatalog.from_csv(_with_row("0101", grade="felon"))
    assert "ncic_offenses.csv:2 (0101)" in str(err.value)
