"""Benchmarks: run by a command (see BENCHMARKS.md), never by the test suite."""
