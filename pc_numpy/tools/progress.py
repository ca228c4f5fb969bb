"""Progress lines for long loops: iteration, a value, elapsed and time left, about once a second."""
from __future__ import annotations

import sys
import time
from typing import Callable, Optional, TextIO, Union

from .files import printable


class Progress:
    """Prints ``what  i/n  <metric>  elapsed  left`` at most every ``interval`` seconds.

    ``report`` may be ``True`` (print to stderr), ``False`` (silent), or a callable taking the
    line (for tests or a GUI).
    """

    def __init__(self, what: str, total: int, report: Union[bool, Callable[[str], None]] = True,
                 interval: float = 1.0, stream: Optional[TextIO] = None):
        self.what, self.total, self.interval = what, total, interval
        self.start = self.last = time.perf_counter()
        if report is True:
            out = stream or sys.stderr
            # printable: a line naming a file whose name is not UTF-8 must not crash a strict stream
            self.emit = lambda line: print(printable(line), file=out, flush=True)
        elif report is False or report is None:
            self.emit = None
        elif callable(report):
            self.emit = report
        else:
            raise TypeError(f"progress must be True, False or a callable, got {type(report).__name__}")

    def update(self, done: int, metric: str, force: bool = False) -> None:
        """Report that ``done`` of ``total`` are finished; ``metric`` is e.g. ``'loss 0.0123'``."""
        if self.emit is None:
            return
        now = time.perf_counter()
        if not force and now - self.last < self.interval and done < self.total:
            return
        self.last = now
        elapsed = now - self.start
        left = elapsed / done * (self.total - done) if done else float("nan")
        self.emit(f"{self.what} {done:>{len(str(self.total))}}/{self.total}  {metric}  "
                  f"elapsed {elapsed:5.1f}s  left {left:5.1f}s")
