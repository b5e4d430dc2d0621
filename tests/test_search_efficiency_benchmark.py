"""``benchmarks/search_efficiency.py --quick`` runs end to end on the embedded model (plumbing, not quality)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).parents[1] / "benchmarks" / "search_efficiency.py"


@pytest.mark.slow
def test_the_quick_benchmark_prints_its_table(tmp_path: Path) -> None:
    from tinkerer_plugin_local_llm import MODELS, LocalModelError, model_path

    try:
        model_path("smollm2-135m")
    except LocalModelError:
        pytest.skip(f"weights not installed: {MODELS['smollm2-135m'].install}")
    completed = subprocess.run(
        [sys.executable, str(BENCHMARK), "--quick", "--keep", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    out = completed.stdout
    assert "budget 5 LLM calls per run" in out
    rows = [line for line in out.splitlines() if re.match(r"(repair|minimize|multi_step) +tinkerer", line)]
    assert [row.split()[0] for row in rows] == ["repair", "minimize", "multi_step"]
    for row in rows:
        assert "tinkerer (evolutionary)" in row
        solved, total = row.split()[3].split("/")
        assert total == "1" and solved in ("0", "1")
        calls = int(row.split()[-3])
        assert 1 <= calls <= 5  # never more LLM calls than the budget
    assert "failures by cause:" in out
    assert "OpenEvolve: OpenEvolve not run (--openevolve no)" in out
    assert (tmp_path / "runs" / "tinkerer-repair-0" / "run" / "run.sqlite").is_file()
