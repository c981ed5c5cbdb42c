"""Writing one benchmark's section of a Markdown file between `<!-- section:NAME -->` markers."""

from __future__ import annotations

import re
from pathlib import Path

_SECTION_RE = re.compile(r"<!-- section:([\w.-]+) -->.*?<!-- /section:\1 -->", re.DOTALL)


def replace_section(path: Path, name: str, body: str) -> None:
    """Replace the text between the markers of section `name` (appending them if missing)."""
    start, end = f"<!-- section:{name} -->", f"<!-- /section:{name} -->"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{start}\n{body.strip()}\n{end}{tail}"
    else:
        text = f"{text.rstrip()}\n\n{start}\n{body.strip()}\n{end}\n"
    path.write_text(text, encoding="utf-8")


def marked_sections(path: Path) -> list[str]:
    """Every `<!-- section:NAME -->` ... `<!-- /section:NAME -->` block of `path`, markers
    included, in order (none when the file does not exist)."""
    if not path.exists():
        return []
    return [match.group(0) for match in _SECTION_RE.finditer(path.read_text(encoding="utf-8"))]
