"""The one compiled part, the memory index's scoring (retrieval/index/_scoring.c): optional, so
that an install without a C compiler still works, on the numpy reference (memory.py says which
one a process uses)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension(
    "retrieval.index._scoring", ["retrieval/index/_scoring.c"],
    # No fused multiply-add: the sums must round as numpy's reference rounds them.
    extra_compile_args=["-O2", "-ffp-contract=off"],
    optional=True,
)])
