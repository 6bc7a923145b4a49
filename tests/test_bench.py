"""Every benchmark starts as its README says (`.venv/bin/python bench/<name>.py`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def test_the_benchmarks_are_all_listed_in_their_readme() -> None:
    readme = (BENCH / "README.md").read_text()
    # first_run.py runs before any virtualenv exists: with the system's python3
    assert SCRIPTS and all(
        f"python3 bench/{n}`" in readme or f"python bench/{n}`" in readme for n in SCRIPTS
    )


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_benchmark_loads_and_prints_its_usage(name: str) -> None:
    """A script named after a standard-library module would break the others' imports."""
    done = subprocess.run(
        [sys.executable, str(BENCH / name), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=BENCH.parent,
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
