"""How Claude's token counts relate to cl100k counts, learnt from exact usage deltas.

Each usage delta between two replies, less the reply's output, is what the text appended in
between cost in Claude tokens; against its cl100k count it is one sample of the ratio.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

#: Calibration samples kept (newest).
MAX_SAMPLES = 400
#: Calibration factor (Claude tokens per cl100k token) before there is data.
PRIORS = {"old": 1.2, "new": 1.5}
#: Samples needed before the measured factor replaces the prior.
MIN_SAMPLES = 5


class Calibration(msgspec.Struct, kw_only=True):
    """How Claude's token counts relate to cl100k counts, learnt from usage deltas."""

    samples: list[tuple[int, int]] = msgspec.field(default_factory=list)

    def add(self, claude: int, cl100k: int) -> None:
        """Record one measured batch."""
        self.samples.append((claude, cl100k))
        if len(self.samples) > MAX_SAMPLES:
            del self.samples[: len(self.samples) - MAX_SAMPLES]

    def factor(self, family: str) -> float:
        """Median Claude/cl100k ratio, or the family's prior with too few samples."""
        if len(self.samples) < MIN_SAMPLES:
            return PRIORS.get(family, PRIORS["old"])
        return _median(c / k for c, k in self.samples)

    def median_error(self, family: str) -> float | None:
        """Median relative error of ``factor × cl100k`` against the measured tokens."""
        if len(self.samples) < MIN_SAMPLES:
            return None
        f = self.factor(family)
        return _median(abs(f * k - c) / c for c, k in self.samples)


def _median(values: Iterator[float] | list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
