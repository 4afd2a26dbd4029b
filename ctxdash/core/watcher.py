"""Watching a session's folders: one watchfiles thread, batches handed to the event loop.

The dashboard's worker iterates :func:`folder_changes` and, for each batch, asks
:func:`outcome_of` (in a thread) whether to follow another session or what the new budget is.
The watcher looks at the folders :meth:`~ctxdash.core.monitor.Monitor.watch_paths` names, one
level each, and lets through only the changes :meth:`~ctxdash.core.monitor.Monitor.may_matter`
accepts, so the event loop wakes for nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, Callable
from functools import partial
from pathlib import Path
from typing import Any, cast

from ctxdash.core.budget import Budget
from ctxdash.core.monitor import Monitor

#: How often the watcher looks at what the kernel reported (ms). A change is seen one to two
#: steps after it was written; while idle, each step costs a wake-up of the watcher's thread.
WATCH_STEP_MS = 30

#: What the watcher's thread hands over when a folder for subagents appeared: watch again.
REWATCH = object()


def outcome_of(monitor: Monitor, changed: set[Path]) -> Budget | tuple[Path, bool] | None:
    """In a thread: a session to follow instead (switched to already, and whether a hook
    announced it), else the new budget when a file that counts changed.

    Raises:
        OSError: the transcript cannot be read.
    """
    hooked = monitor.hooked_session(changed)
    newer = hooked or monitor.newer_session(changed)
    if newer is not None:
        monitor.switch(newer)
        return newer, hooked is not None
    if any(p.suffix in (".jsonl", ".md", ".json") for p in changed):
        return monitor.refresh(changed)
    return None


async def folder_changes(
    monitor: Monitor, *, debounce_ms: int, force_polling: bool
) -> AsyncGenerator[set[Path] | None, None]:
    """Batches of changed paths in the folders :meth:`Monitor.watch_paths` names, one level
    each.

    One watcher for all of them, in a thread of its own: it wakes every ``step`` ms
    while idle, and only changes that may matter reach the event loop (the parent
    folders of a memory file, up to ``/``, see every other program's files too). Yields
    ``None`` once the watcher is running: nothing written after that is missed, so the
    caller reads everything then; again after the watcher started over because a
    folder for subagents appeared.
    """
    loop = asyncio.get_running_loop()
    while True:
        folders = await asyncio.to_thread(monitor.watch_paths)
        queue: asyncio.Queue[set[Path] | object] = asyncio.Queue()
        stop = threading.Event()
        thread = threading.Thread(
            target=_watch_thread,
            args=(folders, monitor, stop, partial(_hand, loop, queue), debounce_ms, force_polling),
            name="ctxdash-watcher",
            daemon=True,
        )
        thread.start()
        try:
            # Let the watcher take its first look (a poller needs one poll).
            await asyncio.sleep(1.0 if force_polling else 0.05)
            yield None
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item  # the watcher failed: surface its error
                if item is REWATCH:
                    break  # watch the new folder too, then read everything once
                yield cast("set[Path]", item)
        finally:
            stop.set()  # the thread sees it within one step


def _hand(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Any], item: object) -> None:
    """From the watcher's thread to the event loop (gone once the app has closed)."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(queue.put_nowait, item)


def _watch_thread(
    folders: list[Path],
    monitor: Monitor,
    stop: threading.Event,
    hand: Callable[[Any], object],
    debounce_ms: int,
    force_polling: bool,
) -> None:
    """Watch ``folders`` until ``stop``; hand each batch that may matter to the loop."""
    from watchfiles import watch

    try:
        for changes in watch(
            *folders,
            watch_filter=lambda _change, path: monitor.may_matter(path),
            debounce=debounce_ms,
            step=min(WATCH_STEP_MS, debounce_ms),
            stop_event=stop,
            force_polling=force_polling,
            poll_delay_ms=100,
            recursive=False,
        ):
            changed = {Path(p) for _, p in changes}  # made once, here, off the event loop
            if monitor.needs_rewatch(changed):
                hand(REWATCH)
                return
            hand(changed)
    except Exception as err:  # noqa: BLE001 - reported by the worker, never lost
        if not stop.is_set():
            hand(err)
