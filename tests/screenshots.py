"""Regenerate ``screenshots/*.svg`` from the app: ``python -m tests.screenshots``.

The same fixed data as the snapshot tests (demo session, fixed clock and paths).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from tests.ui_support import fixed_app, fixed_demo

OUT = Path(__file__).resolve().parents[1] / "screenshots"
SHOTS = [
    ("side-pane-dark", "ctxdash-dark", (50, 42), 41),
    ("wide-dark", "ctxdash-dark", (160, 48), 41),
    ("wide-light", "ctxdash-light", (160, 48), 30),
    ("medium-colour-blind", "ctxdash-cb", (100, 44), 60),
]


async def shoot(name: str, theme: str, size: tuple[int, int], turns: int) -> Path:
    demo = fixed_demo(turns, name=f"shot-{name}")
    os.environ["HOME"] = str(demo.base)  # paths read ~/..., as a user would see them
    app = fixed_app(demo.transcript, theme=theme)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()
        OUT.mkdir(exist_ok=True)
        return Path(app.save_screenshot(filename=f"{name}.svg", path=str(OUT)))


def main() -> None:
    os.environ["CTXDASH_CACHE_DIR"] = tempfile.mkdtemp(prefix="ctxdash-shots-")
    os.environ["CTXDASH_STATE_DIR"] = os.environ["CTXDASH_CACHE_DIR"]  # no remembered theme
    os.environ["TZ"] = "UTC"
    time.tzset()
    for shot in SHOTS:
        print(asyncio.run(shoot(*shot)))


if __name__ == "__main__":
    main()
