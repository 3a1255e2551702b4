"""Benchmarks and the chaos driver (run as scripts; ``bench.chaos`` is imported by tests/slow)."""
