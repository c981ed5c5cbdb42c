"""Weekly channel and personal digests: arithmetic, charts, rendering and scheduling."""
