"""core/checks package."""
