"""The compiled parts, each optional, so that an install without a C compiler still works, on
its Python reference (the module that imports it says which one a process uses): the memory
index's inner loops (retrieval/index/_memory.c) and a question's windows
(retrieval/answer/_windows.c)."""

from setuptools import Extension, setup

# No fused multiply-add: the sums must round as numpy's reference rounds them.
_FLAGS = ["-O2", "-ffp-contract=off"]

setup(ext_modules=[
    Extension("retrieval.index._memory", ["retrieval/index/_memory.c"],
              extra_compile_args=_FLAGS, optional=True),
    Extension("retrieval.answer._windows", ["retrieval/answer/_windows.c"],
              extra_compile_args=_FLAGS, optional=True),
])
