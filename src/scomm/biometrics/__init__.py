"""The fingerprint engine: synthetic prints, minutiae templates, a matcher and exhaustive 1:N.

Bookings carry ten minutiae templates, not images: the simulator needs tens of thousands of
tenprints, and an image pipeline (ridge rendering, WSQ, extraction) would cost ~1 s per finger
where the template-space model below costs microseconds (reference/biometrics.md §3.3a).

- ``template``: :class:`~scomm.biometrics.template.FingerTemplate` (ISO/IEC 19794-2 units) and
  :class:`~scomm.biometrics.template.Tenprint`, with the compact base64 wire format that travels
  in a booking's ``prints`` field.
- ``synthetic``: master fingers drawn from an orientation-field model with natural pattern-class
  proportions, and booking impressions of them under a documented noise model.
- ``matcher``: a numba minutiae matcher (local-structure hashing, Hough alignment, greedy
  pairing) with a Bozorth-like normalised score, and ten-finger score fusion.
- ``gallery``: exhaustive, staged in-memory 1:N search and the calibrated decision threshold.
- ``evaluation``: the measurements behind the calibrated constants (EER, FPIR / FNIR, speed),
  runnable as ``python -m scomm.biometrics.evaluation``.
- ``render``: images for the subset of bookings that carries them: master fingers rendered by
  SFinGe-style ridge growth with the master's minutiae as phase singularities (~0.2 s each),
  booking impressions under the same noise model, and WSQ; ``python -m
  scomm.biometrics.render OUT.png`` writes a contact sheet and prints the measurements.

Nothing here imports numba at package import time, so importing the template codec stays cheap
for code (formats, agencies) that only moves prints around.
"""
