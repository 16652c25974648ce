"""Benchmarks and evaluation: they measure the engine from the outside, through its front door."""
