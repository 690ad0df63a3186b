"""Whether a rehearsal ran to its end: the gate's word holds only for one that did.

A rehearsal directory is in one of five states, read from its header and its lock:

- `complete`: it ran to its end (`finished_at` set, not interrupted, no error);
- `running`: a process holds its lock now (its results are still being written);
- `killed`: it began (a header without `finished_at`) and no process runs it: killed (-9), or
  its machine stopped, before it could write its end;
- `interrupted`: stopped by Ctrl-C (or SIGTERM), with a partial report;
- `stopped`: an error stopped it after it had begun (the header keeps the error).

Anything but `complete` cannot pass the gate: `reason()` says which it is, with the counts and
how to finish it.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.rundir.header import RehearsalHeader

STATES = ("complete", "running", "killed", "interrupted", "stopped")


@dataclass(frozen=True, slots=True)
class Completion:
    state: str
    name: str
    results: int  # whole result lines in results.jsonl
    planned: int | None = None  # exchanges a whole run judges, when known
    holder: int | None = None  # the process running it (state `running`)
    error: str | None = None  # what stopped it (state `stopped`)

    @property
    def complete(self) -> bool:
        return self.state == "complete"

    @classmethod
    def of(cls, header: RehearsalHeader, results: int, holder: int | None) -> Completion:
        if holder is not None:
            state = "running"
        elif header.finished_at is None:
            state = "killed"
        elif header.error is not None:
            state = "stopped"
        elif header.interrupted:
            state = "interrupted"
        else:
            state = "complete"
        return cls(state, header.name, results, header.planned, holder, header.error)

    def counts(self) -> str:
        """'126 results of 345 planned' (or '126 results' when the plan was not counted)."""
        done = f"{self.results} result{'' if self.results == 1 else 's'}"
        return f"{done} of {self.planned} planned" if self.planned is not None else done

    def reason(self) -> str | None:
        """Why the gate cannot pass (None when complete)."""
        resume = f"`harness rehearse --resume {self.name}` runs the rest"
        if self.state == "complete":
            return None
        if self.state == "running":
            by = f"process {self.holder}" if self.holder and self.holder > 0 else "a process"
            return f"incomplete: the rehearsal is still running ({by}; {self.counts()} so far)"
        if self.state == "killed":
            return (
                f"incomplete: the rehearsal ended before its end (killed?) with {self.counts()}; "
                f"{resume}"
            )
        if self.state == "stopped":
            return f"incomplete: an error stopped the rehearsal ({self.error}) with {self.counts()}"
        return f"incomplete: the rehearsal was interrupted with {self.counts()}; {resume}"
