"""The HTML report opened offline in headless Chromium, with a screenshot kept in artifacts/."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.importers.conftest import SLACK_DIR

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    report = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["analyze", str(SLACK_DIR), "--html", str(report)])
    assert result.exit_code == 0, result.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "analyze_report.png"
    shot.unlink(missing_ok=True)
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions", "--no-first-run",
        "--metrics-recording-only", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,1400", f"--screenshot={shot}", report.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert shot.is_file(), done.stderr[-2000:]
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    # A rendered page: dark text and the coloured chart on a white page, not a blank image.
    assert pixels.std() > 0.05
    assert (pixels[..., :3].min(axis=2) < 0.3).mean() > 0.005
