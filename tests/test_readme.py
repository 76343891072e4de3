"""The README's install and test commands are exactly what CI runs, and its files exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_ci_runs_the_readme_install_and_test_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    blocks = bash_blocks(readme)
    install = next(b.strip() for b in blocks if b.strip().startswith("pip install"))
    test = next(b.strip() for b in blocks if b.strip().startswith("pytest"))
    assert install in ci
    assert test in ci
    assert "torch==2.13.0" in (ROOT / "constraints.txt").read_text()


def test_readme_figures_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme):
        assert (ROOT / path).is_file(), path
