"""Versioned policy as data, and the generic evaluators that apply it.

* ``catalog``: the NCIC offense catalog (``data/ncic_offenses.csv``).
* ``rulebooks`` + ``conditions``: dated YAML rulebooks (``rulebooks/*.yaml``) and the small
  condition language they are written in.
* ``facts``: ``DecisionFacts``, the only input of a decision (no protected attributes).
* ``evaluator``: ``decide`` (recommendation + trace), ``removal_category``.
* ``participation``: which jurisdictions' prints were shared with IDENT on a date.

The 48-hour detainer clock is a pure domain rule and lives in ``scomm.domain.detainer_clock``.
"""
