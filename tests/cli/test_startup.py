"""The `coachbot` command starts light: commands that need no database do not load it."""

from __future__ import annotations

import subprocess
import sys


def test_loading_the_cli_does_not_import_the_database_layer() -> None:
    code = "import sys, bot.cli; print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
