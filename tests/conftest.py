"""Fixtures and helpers shared by the tests: settings no developer's environment can change,
a fake Bot API, a local news site, a free port, the compiled code (the memory index's, the answer's windows)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from types import ModuleType

import pytest

from article_server import ArticleSite
from fake_telegram import FakeTelegram
from telegram_harness import SETTINGS, TOKEN


def compiled(module: ModuleType, name: str) -> ModuleType:
    """The compiled code a module imports as `name` (retrieval/index/_memory.c,
    retrieval/answer/_windows.c), built at install where a C compiler is; CI must have it:
    missing there is a failure, elsewhere a skip."""
    built = getattr(module, name)
    if built is None:
        message = f"{name}.c was not built: pip install -e . with a C compiler"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return built


def compiled_memory() -> ModuleType:
    """The memory index's compiled code (retrieval/index/_memory.c)."""
    from retrieval.index import memory

    return compiled(memory, "_memory")


def compiled_windows() -> ModuleType:
    """The answer's compiled windows (retrieval/answer/_windows.c)."""
    from retrieval.answer import features

    return compiled(features, "_windows")


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True, scope="session")
def own_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user's data and cache folders (the data folder, DATA_DIR, by default) are the test
    session's own, never the operator's, from the first fixture on (bots started for a whole
    module too); the terminal speaks English."""
    base = tmp_path_factory.getbasetemp()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(base / "user-data"))
        patch.setenv("XDG_CACHE_HOME", str(base / "user-cache"))
        for name in ("LC_ALL", "LC_MESSAGES"):
            patch.delenv(name, raising=False)
        patch.setenv("LANG", "en_US.UTF-8")
        yield


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every setting of .env.example empty, so that neither the developer's environment nor a
    .env file changes what the tests see (the environment wins over .env)."""
    for name in SETTINGS:
        monkeypatch.setenv(name, "")


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    """A fake Bot API for the test module; tests keep apart by using chats of their own."""
    with FakeTelegram(TOKEN) as server:
        yield server


@pytest.fixture(scope="module")
def site() -> Iterator[ArticleSite]:
    """A local web site of French news pages (and bad pages) for the test module."""
    with ArticleSite() as server:
        yield server


@pytest.fixture
def whole_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The article files read whole to quote them (their names)."""
    import retrieval.articles.corpus as corpus_module

    names: list[str] = []
    read = corpus_module.read_article_status
    monkeypatch.setattr(corpus_module, "read_article_status",
                        lambda path: names.append(path.name) or read(path))
    return names
