"""Benchmark tooling behind `invoke bench` (not a Pelican plugin).

`corpus` writes a deterministic synthetic newsroom; `measure` builds it with stock Pelican and
with our full build, in child processes, and reports wall time, peak memory and stage timings.
"""
