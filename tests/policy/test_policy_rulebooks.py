"""Rulebooks as dated data: the version in force on each date, and validation on load."""

from __future__ import annotations

from datetime import date

import pytest

from scomm.domain.errors import InvalidInput
from scomm.policy.rulebooks import RulebookSet, load_rulebooks, parse_rulebook, rulebook_texts

LEVELS = "sc-levels-2008-10-27"


@pytest.mark.parametrize(
    ("on", "versions"),
    [
        (date(2008, 10, 27), [LEVELS, "priorities-2008-10-27"]),
        (date(2011, 3, 1), [LEVELS, "priorities-2008-10-27"]),
        (date(2011, 3, 2), [LEVELS, "priorities-2011-03-02"]),
        (date(2011, 6, 16), [LEVELS, "priorities-2011-03-02"]),
        (date(2011, 6, 17), [LEVELS, "priorities-2011-03-02", "discretion-2011-06-17"]),
        (
            date(2012, 4, 26),
            [LEVELS, "priorities-2011-03-02", "discretion-2011-06-17"],
        ),
        (
            date(2012, 4, 27),
            [LEVELS, "priorities-2011-03-02", "discretion-2011-06-17", "minor-traffic-2012-04-27"],
        ),
        (
            date(2012, 12, 20),
            [LEVELS, "priorities-2011-03-02", "discretion-2011-06-17", "minor-traffic-2012-04-27"],
        ),
        (
            date(2012, 12, 21),
            [
                LEVELS,
                "priorities-2011-03-02",
                "discretion-2011-06-17",
                "minor-traffic-2012-04-27",
                "detainer-2012-12-21",
            ],
        ),
    ],
)
def test_each_version_is_picked_by_date(on: date, versions: list[str]) -> None:
    comp = load_rulebooks().composition(on)
    assert [b.version for b in comp.books] == versions
    assert comp.policy_version == "+".join(versions)


def test_no_policy_before_the_program() -> None:
    with pytest.raises(InvalidInput, match="2008-10-27"):
        load_rulebooks().composition(date(2008, 10, 26))


def test_every_rulebook_has_version_dates_and_source() -> None:
    books = load_rulebooks().books
    assert {b.file for b in books} >= {
        "sc_2008_offense_levels.yaml",
        "priorities_2008.yaml",
        "priorities_2011.yaml",
        "minor_traffic_2012.yaml",
        "detainer_2012_12.yaml",
    }
    for book in books:
        assert book.version and book.effective_from and len(book.source) > 40


def test_unverified_items_are_marked_in_sources() -> None:
    books = {b.file: b for b in load_rulebooks().books}
    assert "[M" in books["sc_2008_offense_levels.yaml"].source
    assert "operationalisation" in books["priorities_2011.yaml"].source
    assert "[M" in books["detainer_2012_12.yaml"].source


def _replace(file: str, old: str, new: str) -> dict[str, str]:
    texts = rulebook_texts()
    assert old in texts[file], old
    texts[file] = texts[file].replace(old, new, 1)
    return texts


def _load(texts: dict[str, str]) -> RulebookSet:
    return RulebookSet(parse_rulebook(text, name) for name, text in sorted(texts.items()))


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "priorities_2011.yaml",
            "{fact: visa_abuse, eq: true}\n        set: {priority: 2}",
            "{fact: visa_abused, eq: true}\n        set: {priority: 2}",
            "priorities_2011.yaml: rule P2-visa-abuse",
        ),
        (
            "priorities_2011.yaml",
            "set: {priority: 2}",
            "set: {priority: 7}",
            "priorities_2011.yaml: rule P2-recent-illegal-entrant",
        ),
        (
            "priorities_2011.yaml",
            "recommended_action: no_action\n          reason: not a priority",
            "recommended_action: deport\n          reason: not a priority",
            "priorities_2011.yaml: rule A-not-a-priority",
        ),
        (
            "priorities_2011.yaml",
            "{fact: visa_abuse, eq: true}\n        set: {priority: 2}",
            "{fact: visa_abuse, equals: true}\n        set: {priority: 2}",
            "priorities_2011.yaml: rule P2-visa-abuse",
        ),
        (
            "sc_2008_offense_levels.yaml",
            'when: {codes: ["4801"]}',
            'when: {codes: ["4899", "4877"]}',
            "sc_2008_offense_levels.yaml: rule L1-resisting-officer",
        ),
        (
            "sc_2008_offense_levels.yaml",
            'when: {codes: ["4801"]}',
            'when: {codes: ["4802"]}',
            "ncic_offenses.csv (4801):sc_level_2008",
        ),
        (
            "priorities_2008.yaml",
            "effective_until: 2011-03-01",
            "effective_until: 2011-03-05",
            "priorities_2011.yaml",
        ),
        (
            "minor_traffic_2012.yaml",
            "where: {max_sentence_days: {gt: 0}}",
            "where: {max_sentence_days: {gt: 1}}",
            "derived crime_convictions",
        ),
        (
            "minor_traffic_2012.yaml",
            "- id: MT-conditional-detainer",
            "- id: MT-conditional-detainer\n        priority: high",
            "minor_traffic_2012.yaml: rule MT-conditional-detainer",
        ),
        (
            "priorities_2011.yaml",
            "no Level 1 charge\n        when: always",
            "no Level 1 charge\n        when: {fact: removable, eq: true}",
            "must be 'when: always'",
        ),
    ],
)
def test_validation_errors_name_file_and_rule(file: str, old: str, new: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as err:
        _load(_replace(file, old, new))
    assert expected in str(err.value)


def test_a_gap_in_the_base_policy_is_caught() -> None:
    texts = _replace(
        "priorities_2011.yaml", "effective_from: 2011-03-02", "effective_from: 2011-03-09"
    )
    with pytest.raises(InvalidInput, match="no complete policy"):
        _load(texts)


def test_fact_produced_by_a_later_stage_is_unknown() -> None:
    texts = _replace(
        "priorities_2011.yaml",
        "when: {fact: status, eq: unable_to_determine}",
        "when: {fact: priority, eq: 1}",
    )
    with pytest.raises(InvalidInput, match=r"R-undetermined.*unknown facts"):
        _load(texts)


def test_invalid_yaml_names_the_file() -> None:
    with pytest.raises(InvalidInput, match=r"bad\.yaml"):
        parse_rulebook("kind: [unclosed", "bad.yaml")
