"""The fingerprint engine: synthetic prints, minutiae templates, binary codes, MCC and 1:N.

Bookings carry ten minutiae templates, not images: the simulator needs hundreds of thousands of
tenprints, and an image pipeline (ridge rendering, WSQ, extraction) would cost ~1 s per finger
where the template-space model below costs microseconds (reference/biometrics.md §3.3a).

- ``template``: :class:`~scomm.biometrics.template.FingerTemplate` (ISO/IEC 19794-2 units),
  :class:`~scomm.biometrics.template.Tenprint` with the compact base64 wire format that travels
  in a booking's ``prints`` field, and the packed array layout the kernels work on.
- ``synthetic``: master fingers drawn from an orientation-field model with natural pattern-class
  proportions, and booking impressions of them under a documented noise model.
- ``encoder``: the fixed-length 256-bit code of a finger (pair histogram, learned projection,
  fixed-weight ranking) that the 1:N prefilter scans.
- ``hamming``: the exact top-k Hamming scan of identity codes (numba), the prefilter's loop.
- ``mcc``: Minutia Cylinder-Code verification (numba), the matcher behind every decision.
- ``matcher``: a Hough-alignment minutiae matcher kept as MCC's point of comparison in the
  evaluation.
- ``records``: the append-only, memory-mapped template store of a gallery.
- ``calibration``: the Gumbel model that turns a target FPIR into a score threshold.
- ``gallery``: 1:N identification: prefilter, screened MCC verification, calibrated decision,
  ABIS-style candidate lists.
- ``evaluation``: the measurements behind the constants (EER, FPIR / FNIR, speed), runnable as
  ``python -m scomm.biometrics.evaluation``.
- ``render``: images for the subset of bookings that carries them: master fingers rendered by
  SFinGe-style ridge growth with the master's minutiae as phase singularities (~0.2 s each),
  booking impressions under the same noise model, and WSQ; ``python -m
  scomm.biometrics.render OUT.png`` writes a contact sheet and prints the measurements.

Nothing here imports numba at package import time, so importing the template codec stays cheap
for code (formats, agencies) that only moves prints around.

Two OpenMP runtimes can share the process: faiss (imported by the encoder's measurements)
bundles its own libgomp and numba's parallel kernels use the system's. With the default spin-
waiting, each runtime's idle threads hold both cores for a while after every parallel region
and starve the other's (a 100K prefilter took 32 ms instead of 5 ms between MCC calls). Passive
waiting is set here, before either library loads, unless the operator chose a policy. """

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
