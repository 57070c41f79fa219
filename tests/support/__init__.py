"""Test support shared by the tests and the benchmarks (never tests themselves)."""
