"""Rich progress bars for long operations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(enabled: bool, label: str, total: int | Callable[[], int | None] | None,
                 unit: str = "steps") -> Iterator[Callable[[int], None]]:
    """Yield ``advance(done)``; shows a rich bar on stderr when ``enabled`` and stderr is a terminal.

    ``total`` may be a function, called only when the bar is shown (e.g. one that counts frames).
    """
    from rich.console import Console

    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield lambda done: None
        return
    if callable(total):
        total = total()
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed}/{task.total} " + unit), TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)
