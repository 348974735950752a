"""Checks shared by web and browser tests: page weight and HTML validity."""
from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PAGE_BUDGET_BYTES = 30 * 1024


def page_weight(client, path: str, **kwargs) -> int:
    """Gzipped bytes of a page's HTML plus the stylesheets it links (first load, nothing cached)."""
    response = client.get(path, **kwargs)
    assert response.status_code == 200, f"{path} gave {response.status_code}"
    html = response.get_data()
    total = len(gzip.compress(html, 9))
    for href in re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html):
        css = client.get(href.decode())
        assert css.status_code == 200
        total += len(gzip.compress(css.get_data(), 9))
        css.close()
    return total


def validate_html(pages: dict[str, str], tmp_path: Path) -> list[str]:
    """Run the Nu HTML Checker once over many pages; return its error lines."""
    java = shutil.which("java")
    assert java, "java is needed for the HTML checker (vnu-jar)"
    assert VNU_JAR.exists(), "run `npm ci` (make test-deps) to install vnu-jar"
    files = []
    for name, html in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    # htmx's hx-* attributes are not in the HTML standard (the pages work without them); anything
    # else the checker finds is an error.
    hx_attributes = r".*Attribute “hx-[a-z-]+” not allowed.*"
    result = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--format", "text",
                             "--filterpattern", hx_attributes, *files],
                            capture_output=True, text=True, timeout=120)
    lines = (result.stdout + result.stderr).splitlines()
    problems = [line for line in lines if ": error:" in line or "fatal" in line.lower()]
    if result.returncode != 0 and not problems:
        problems = lines or [f"vnu exited {result.returncode}"]
    return problems


class count_queries:
    """`with count_queries(app) as q: ...; q.n` counts the SQL statements run inside the block."""

    def __init__(self, app):
        from app.extensions import db

        with app.app_context():
            self.engine = db.engine
        self.n = 0

    def _count(self, *_args, **_kwargs) -> None:
        self.n += 1

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)
