"""Stance's benchmarks: scripts, never timed assertions in the test suite.

`make bench` runs `bench/run.py`; docs/BENCHMARKS.md explains the method and the figures.
"""
