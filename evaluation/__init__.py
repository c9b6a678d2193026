"""Evaluation and benchmarks for devgpt-magic: ``python -m evaluation --help``."""
