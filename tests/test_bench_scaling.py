"""`invoke bench`'s scaling comparison: time per column of cold builds at two corpus sizes."""

from __future__ import annotations

from benchmark.measure import ScaleRun, format_scaling, run_scaling


def test_report_compares_time_per_column_and_names_superlinear_stages():
    small = ScaleRun(2000, 20.0, 150.0, {"read": 8.0, "plugin:related": 2.0, "setup": 0.5})
    large = ScaleRun(20000, 280.0, 900.0, {"read": 80.0, "plugin:related": 60.0, "setup": 0.5})
    report = format_scaling([small, large])
    first = report.splitlines()[0]
    assert "10.00 ms per column at 2000, 14.00 ms at 20000: 1.40x (target <= 1.3x: MISS)" in first
    rows = {line.split()[0]: line.split()[1:] for line in report.splitlines()[2:]}
    assert rows["read"] == ["4.000", "4.000", "1.00"]
    assert rows["plugin:related"] == ["1.000", "3.000", "3.00"]
    assert rows["setup"][2] == "0.10"


def test_linear_build_meets_the_target():
    report = format_scaling([ScaleRun(2000, 20.0, 1, {}), ScaleRun(20000, 200.0, 1, {})])
    assert "1.00x (target <= 1.3x: ok)" in report


def test_measures_real_cold_builds_and_removes_the_corpora(tmp_path):
    runs = run_scaling(1, tmp_path, sizes=(6, 12))
    assert [r.n for r in runs] == [6, 12]
    for run in runs:
        assert run.seconds > 0 and run.peak_mb > 0
        assert "read" in run.stages and "plugin:output_writer" in run.stages
    assert list(tmp_path.iterdir()) == []
    assert "ms per column at 6" in format_scaling(runs)
