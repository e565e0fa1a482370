"""Benchmarks and the evaluation suite (``python -m bench.eval``)."""
