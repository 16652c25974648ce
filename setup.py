"""The one compiled part, the memory index's inner loops (retrieval/index/_memory.c): optional,
so that an install without a C compiler still works, on the Python references (memory.py uses
the compiled code when it was built)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension(
    "retrieval.index._memory", ["retrieval/index/_memory.c"],
    # No fused multiply-add: the sums must round as numpy's reference rounds them.
    extra_compile_args=["-O2", "-ffp-contract=off"],
    optional=True,
)])
