"""Benchmark suites for Tinkerer: the `bench` command, MLE-bench and ALE-bench runners, offline lite suites."""
