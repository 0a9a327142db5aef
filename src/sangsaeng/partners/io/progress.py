"""A terminal progress bar (tqdm) for imports run from the command line."""

from __future__ import annotations

from typing import IO

from tqdm import tqdm

STAGE_LABELS = {"validate": "검증", "write": "저장"}


class TqdmProgress:
    """A :class:`~sangsaeng.partners.io.common.Progress` drawing one tqdm bar per stage on
    ``stream``. With ``disable=None`` the bars show only when ``stream`` is a terminal."""

    def __init__(self, stream: IO[str], *, disable: bool | None = None) -> None:
        self.stream = stream
        self.disable = disable
        self.stage: str | None = None
        self.bar: tqdm | None = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage != self.stage or self.bar is None:
            self.close()
            self.stage = stage
            self.bar = tqdm(
                total=total,
                desc=STAGE_LABELS.get(stage, stage),
                unit="행",
                file=self.stream,
                disable=self.disable,
                dynamic_ncols=True,
                mininterval=0.2,
            )
        bar = self.bar
        if total is not None and bar.total != max(total, done):
            bar.total = max(total, done)
            bar.refresh()
        if done > bar.n:
            bar.update(done - bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> TqdmProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
