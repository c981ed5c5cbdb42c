"""Log fields for an exception that never carry message text: its type and where it happened.

`log.exception` is not safe here: structlog's console renderer prints every frame's local
variables (which hold message text), and an exception's own message may quote the text.
"""

from __future__ import annotations

import traceback


def error_fields(exc: BaseException) -> dict[str, str]:
    """`{"error": "ValueError", "where": "bot/coaching/commands.py:123 in cmd_check"}`."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/bot/" in f.filename.replace("\\", "/")] or frames
    where = ""
    if ours:
        frame = ours[-1]
        path = frame.filename.replace("\\", "/")
        short = path[path.rfind("/bot/") + 1 :] if "/bot/" in path else path.rsplit("/", 1)[-1]
        where = f"{short}:{frame.lineno} in {frame.name}"
    return {"error": type(exc).__name__, "where": where}
