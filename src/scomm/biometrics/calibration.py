"""From a fused score to a false positive identification rate, at any gallery size.

Why a model and not a fixed threshold. A non-mated search returns the best of N impostor
scores, so the same threshold lets through more false candidates as a gallery grows: a
threshold good for 10,000 identities is ten times too lax at 100,000. Operators state the FPIR
they accept (FpVTE reports FNIR at FPIR 10⁻², 10⁻³, 10⁻⁴), so the engine derives the threshold
from that target and the gallery's current size.

The model. The best non-mated score of a search is a maximum, so it follows an extreme-value
law; for impostor scores with an exponential-type tail that is a Gumbel law, and such maxima
are *max-stable*: over N identities the location moves by ``β ln N`` and the scale ``β`` stays.
So two numbers fitted once, on non-mated searches against a gallery of size ``N₀``, give

    FPIR(t, N) = 1 - exp(-exp(-(t - μ₁ - β ln N) / β)),   μ₁ = μ(N₀) - β ln N₀,

and the threshold for a target FPIR ``q`` is ``μ₁ + β ln N - β ln(-ln(1 - q))``, for galleries
at least as large as the fit's (smaller ones take the fit's threshold, see ``_location``).
Fitting by maximum likelihood lets a few thousand searches place the 10⁻³ and 10⁻⁴ points, which raw
quantiles would pin on one or two observations; the benchmark checks the prediction against
observed FPIR at 100K and 1M identities (``docs/benchmarks.md``).

The shipped fit is ``data/calibration.json``, written by ``python bench/biometrics.py
--calibrate``; it belongs to one encoder, verifier and candidate count, which it records.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from scipy import stats

from scomm.domain.errors import InvalidInput

DEFAULT_FPIR = 1e-3
"""The FPIR a gallery's :meth:`~scomm.biometrics.gallery.Gallery.identify` holds unless told
otherwise: FpVTE's headline operating point, and the one our accuracy target is stated at."""


@dataclass(frozen=True)
class Calibration:
    """A Gumbel model of the best non-mated fused score (see the module docstring).

    ``location_1`` and ``scale`` are μ₁ and β; ``fitted_at`` the gallery size and ``searches``
    the number of non-mated searches of the fit; ``engine`` names the encoder, verifier and
    candidate count it holds for, since a change to any of them moves the impostor scores.
    """

    location_1: float
    scale: float
    fitted_at: int
    searches: int
    engine: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.location_1) and math.isfinite(self.scale) and self.scale > 0):
            raise InvalidInput("calibration", f"needs a finite location and scale > 0, got {self}")

    def _location(self, gallery_size: int) -> float:
        """μ at ``gallery_size``, never below the fitted size's: verification scores only the
        prefilter's nearest few, so small galleries do not follow the ``ln N`` law downwards
        (their best impostor is the best of ~all of them, not of N), while a best impostor can
        only get worse as identities are added. Below the fit the model is thus conservative."""
        return self.location_1 + self.scale * math.log(max(gallery_size, self.fitted_at))

    def fpir(self, threshold: float, gallery_size: int) -> float:
        """Predicted share of non-mated searches whose best score reaches ``threshold``."""
        loc = self._location(gallery_size)
        return -math.expm1(-math.exp(-(threshold - loc) / self.scale))

    def threshold(self, fpir: float, gallery_size: int) -> float:
        """The fused score that non-mated searches reach with probability ``fpir``."""
        if not 0.0 < fpir < 1.0:
            raise InvalidInput("fpir", f"must be strictly between 0 and 1, got {fpir}")
        loc = self._location(gallery_size)
        return loc - self.scale * math.log(-math.log1p(-fpir))

    @classmethod
    def fit(cls, best_nonmated: Sequence[float], gallery_size: int, engine: str) -> Calibration:
        """Maximum-likelihood Gumbel fit of the best scores of non-mated searches."""
        x = np.asarray(best_nonmated, dtype=np.float64)
        if x.size < 30 or float(np.std(x)) == 0.0:
            raise InvalidInput("best_nonmated", f"need ≥ 30 varied scores, got {x.size}")
        loc, scale = stats.gumbel_r.fit(x)
        return cls(
            location_1=float(loc) - float(scale) * math.log(gallery_size),
            scale=float(scale),
            fitted_at=gallery_size,
            searches=int(x.size),
            engine=engine,
        )

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path | None = None) -> Calibration:
        """The fit in ``path``, or the shipped one."""
        text = (
            path.read_text()
            if path is not None
            else resources.files("scomm.biometrics").joinpath("data/calibration.json").read_text()
        )
        try:
            raw = json.loads(text)
            return cls(**{k: raw[k] for k in cls.__dataclass_fields__})
        except (ValueError, KeyError, TypeError) as exc:
            where = str(path or "calibration.json")
            raise InvalidInput(where, f"not a calibration: {exc}") from None
