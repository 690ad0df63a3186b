"""The live progress display: a rich progress bar with match / mismatch / waived / error counts."""

from __future__ import annotations

from time import monotonic

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from harness.core.difference import Verdict
from harness.engine import (
    BaseConsumer,
    Event,
    ExchangeCompared,
    RehearsalFinished,
    RehearsalStarted,
)


class ProgressDisplay(BaseConsumer):
    """Updates the bar at most ~10 times a second so it never slows the runner down."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.counts = dict.fromkeys(Verdict, 0)
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._last = 0.0
        self._done = 0

    def handle(self, event: Event) -> None:
        if isinstance(event, ExchangeCompared):
            self.counts[event.result.verdict] += 1
            self._done += 1
            now = monotonic()
            if now - self._last > 0.1:
                self._last = now
                self._refresh()
        elif isinstance(event, RehearsalStarted):
            self._done = event.already_done
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=False,
            )
            total = None if event.expected is None else max(event.expected, event.already_done)
            self._task = self._progress.add_task(
                f"rehearsal {event.name}", total=total, completed=self._done, counts=""
            )
            self._progress.start()
        elif isinstance(event, RehearsalFinished):
            self.finish()

    def finish(self) -> None:
        """Stop the bar (once), however the run ended."""
        self._refresh()
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def _refresh(self) -> None:
        if self._progress is None or self._task is None:
            return
        c = self.counts
        text = (
            f"[green]{c[Verdict.MATCH]} match[/] [red]{c[Verdict.MISMATCH]} mismatch[/] "
            f"[yellow]{c[Verdict.WAIVED]} waived[/] [magenta]{c[Verdict.ERROR]} error[/]"
        )
        self._progress.update(self._task, completed=self._done, counts=text)
