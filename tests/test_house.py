"""The house: the engine's folders follow the data's one-way walk, the faces enter by the front
door only, answering loads no more than it needs, window features are wired by name, and a
stored index never outlives the code that made it."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import compiled_windows
from retrieval import AnswerEngine, IndexStore, IndexUnavailable, build_xapian, parse_txt
from retrieval.answer import features
from retrieval.answer.features import FEATURE_FUNCTIONS, FEATURES
from retrieval.articles.documents import load_corpus
from retrieval.answer.ranker import RANKER_PATH, WindowRanker
from retrieval.index import memory
from retrieval.index.signature import index_signature

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
# The stages behind the front door, in the order data walks through them: a module may import
# from its own stage or an earlier one, never a later one.
STAGES = ("text", "articles", "index", "answer")
# What answering must not load: live articles (httpx, trafilatura) and the watcher.
NOT_FOR_ANSWERING = ("trafilatura", "httpx", "watchfiles", "retrieval.articles.web",
                     "retrieval.articles.watch")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The modules a file imports (anywhere in it), relative imports made absolute."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[:len(base) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def retrieval_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in (ROOT / "retrieval").rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules and m != name}
            for name, path in modules.items()}


def stage(module: str) -> int:
    """Its stage's rank; the engine, evaluation and the front door come after every stage."""
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else len(STAGES)


def test_the_engine_has_no_import_cycle():
    graph = retrieval_graph()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, "import cycle: " + " → ".join((*path, module))
        if module not in done:
            for imported in graph[module]:
                visit(imported, (*path, module))
            done.add(module)

    for module in graph:
        visit(module, ())


def test_arrows_go_one_way_from_text_to_the_engine():
    backwards = [(m, i) for m, imports in retrieval_graph().items() for i in imports
                 if stage(i) > stage(m) and i != "retrieval"]
    assert not backwards


def test_faces_enter_the_engine_by_the_front_door_only():
    reaching = [(str(p.relative_to(ROOT)), m) for p in (ROOT / "bot").rglob("*.py")
                for m in imports_of(p) if m.startswith("retrieval.")
                and m.rpartition(".")[0] != "retrieval"]  # `from retrieval import X` is fine
    assert not reaching


def test_asking_a_question_loads_neither_live_articles_nor_the_watcher():
    script = ("import sys; from bot.terminal.cli import main; main(['ask', 'Qui a signé la "
              "lettre ?', '--corpus', sys.argv[1]]); "
              f"print([m for m in {NOT_FOR_ANSWERING!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", script, str(SEEDS)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Seely" in result.stdout and result.stdout.rstrip().endswith("[]")


# ---- window features, by name ----

PASSAGES = parse_txt("p", "Le port\n\nLes dockers du port de Marseille ont voté la grève. "
                          "La direction du port négocie avec eux. Le trafic est arrêté.\n")


def test_each_feature_is_declared_once_and_the_shipped_ranker_names_its_own():
    assert set(FEATURES) == set(FEATURE_FUNCTIONS)
    data = json.loads(RANKER_PATH.read_text(encoding="utf-8"))
    assert set(data["features"]) <= set(FEATURES)


def test_a_ranker_file_listing_its_features_in_another_order_scores_the_same(tmp_path):
    """The matrix is stacked in the order the ranker file names its features: listing them
    otherwise (with their numbers) changes nothing, where reading columns by position would
    feed each weight another feature."""
    data = json.loads(RANKER_PATH.read_text(encoding="utf-8"))
    order = np.random.default_rng(7).permutation(len(data["features"]))
    shuffled = {key: [data[key][i] for i in order] for key in ("features", "mean", "scale",
                                                              "weights")}
    ranker = WindowRanker.from_json(json.dumps({**data, **shuffled}), FEATURES)
    assert ranker.features != tuple(data["features"])
    shipped = AnswerEngine.from_folder(SEEDS)
    reordered = AnswerEngine(shipped.articles, shipped.index, ranker=ranker)
    for question in ("Qui a signé la lettre ?", "Qui dirige le Pentagone ?",
                     "Combien de soldats américains sont en Irak ?"):
        assert reordered.answer(question) == shipped.answer(question)


def test_a_ranker_file_naming_a_feature_the_code_does_not_declare_is_refused():
    data = json.loads(RANKER_PATH.read_text(encoding="utf-8"))
    data["features"][0] = "share_of_something_else"
    with pytest.raises(ValueError, match="other features"):
        WindowRanker.from_json(json.dumps(data), FEATURES)


def test_share_before_and_share_after_are_the_neighbouring_sentences_shares():
    """Swapping the two columns' definitions makes this fail: the window after the sentence
    holding the question's words has it *before* itself."""
    engine = AnswerEngine([PASSAGES])
    found, features = engine.candidates("Qui a voté la grève des dockers ?")
    column = {name: features[:, n] for n, name in enumerate(FEATURES)}
    by_text = {PASSAGES.paragraphs[0].text[c.start:c.end]: n for n, c in enumerate(found)}
    after = by_text["La direction du port négocie avec eux."]
    assert column["share_before"][after] > 0.5 and column["share_after"][after] == 0
    before = by_text["Les dockers du port de Marseille ont voté la grève."]
    assert column["share_before"][before] == 0 and column["share_after"][before] < 0.5


# ---- the index signature follows the code ----

def signature_in(copy: Path) -> str:
    script = ("from retrieval.index import memory; from retrieval.index.signature import "
              "index_signature; print(index_signature(memory))")
    result = subprocess.run([sys.executable, "-c", script], cwd=copy, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_changing_the_analysis_logic_changes_the_index_key_and_a_comment_does_not(tmp_path):
    shutil.copytree(ROOT / "retrieval", tmp_path / "retrieval",
                    ignore=shutil.ignore_patterns("__pycache__", "data"))
    (tmp_path / "retrieval" / "data").symlink_to(ROOT / "retrieval" / "data")
    analysis = tmp_path / "retrieval" / "text" / "analysis.py"
    source = analysis.read_text(encoding="utf-8")
    assert signature_in(tmp_path) == index_signature(memory)

    analysis.write_text(source.replace('    """Drop a stem\'s final e',
                                       '    # a comment\n    """Drop a stem\'s final e, said '
                                       'otherwise'), encoding="utf-8")
    assert signature_in(tmp_path) == index_signature(memory)

    logic = "len(term) > 2 and term.endswith(\"e\")"
    assert logic in source
    analysis.write_text(source.replace(logic, logic.replace("> 2", "> 3")), encoding="utf-8")
    assert signature_in(tmp_path) != index_signature(memory)


# ---- a Xapian database of other analysis code is refused ----

def test_a_xapian_database_built_by_other_analysis_code_is_one_clear_line_until_updated(
        tmp_path, capsys, monkeypatch):
    import xapian  # the xapian extra, which `make` installs

    from bot.terminal.cli import main

    db = tmp_path / "db"
    build_xapian(db, SEEDS, 1)
    writable = xapian.WritableDatabase(str(db / "shard-0"), xapian.DB_OPEN)
    recorded = json.loads(writable.get_metadata("citebot:index").decode())
    writable.set_metadata("citebot:index", json.dumps({**recorded, "index": "older code"}))
    writable.commit()
    writable.close()

    store = IndexStore("xapian", databases=(str(db / "shard-0"),))
    with pytest.raises(IndexUnavailable, match="another version of the analysis"):
        AnswerEngine.from_folder(SEEDS, store)
    monkeypatch.setenv("INDEX_BACKEND", "xapian")
    monkeypatch.setenv("XAPIAN_DATABASES", str(db / "shard-0"))
    capsys.readouterr()
    assert main(["ask", "--corpus", str(SEEDS), "Qui a signé la lettre ?"]) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "--update" in error

    assert main(["index", "--xapian", str(db), "--update", "--corpus", str(SEEDS)]) == 0
    answer = AnswerEngine.from_folder(SEEDS, store).answer("Qui a signé la lettre ?")
    assert "Seely" in answer.excerpts[0].text


# ---- one definition of an article file ----

def test_every_reader_of_the_folder_takes_the_same_files_for_articles(tmp_path):
    from retrieval.articles.files import is_article_file
    from retrieval.index.xapian_index import build

    (tmp_path / "port.md").write_text("# Le port\n\nLe port de Marseille est en grève.\n",
                                      encoding="utf-8")
    for name in (".port.md.x1.tmp", ".brouillon.md", "notes.html", "port.md~"):
        (tmp_path / name).write_text("# Brouillon\n\nLe port de Marseille rouvre demain.\n",
                                     encoding="utf-8")
    memory_engine = AnswerEngine.from_folder(tmp_path)
    report = build(tmp_path / ".db", tmp_path)
    assert memory_engine.article_ids() == ["port"] and report.added == 1
    assert [p.name for p in tmp_path.iterdir() if is_article_file(p)] == ["port.md"]
    assert all("rouvre" not in e.text
               for e in memory_engine.answer("Quand le port de Marseille rouvre ?").excerpts)


@pytest.mark.parametrize("compiled", [True, False])
def test_the_best_facts_read_in_one_go_are_each_facts_best(compiled, monkeypatch):
    """Windows.bests (every sentence fact's best in one call: _windows.c's, or numpy's where it
    is not built) against best() on each fact alone: the same values, laid out as best() gives
    them (sums over them then add in the same order, to the bit)."""
    if compiled:
        compiled_windows()
    else:
        monkeypatch.setattr(features, "_windows", None)
    seen: list[features.Windows] = []
    matrix = features.feature_matrix
    monkeypatch.setattr(features, "feature_matrix",
                        lambda windows, names: seen.append(windows) or matrix(windows, names))
    engine = AnswerEngine(load_corpus(SEEDS))
    for question in ("Qui a signé la lettre ?", "Combien de soldats américains sont en Irak ?",
                     "Quand la lettre a-t-elle été envoyée ?", "Pourquoi les troupes partent ?"):
        engine.candidates(question)
    assert len(seen) == 4
    for w in seen:
        for name, fact in (("titled", w.titled), ("untitled", w.untitled), ("soft", w.soft),
                           ("held", w.held), ("kinds", w.kinds),
                           ("sentence_titled", w.titled.sum(axis=1)[:, None])):
            assert w.bests[name].tobytes() == w.best(fact).tobytes()
            assert w.bests[name].shape == w.best(fact).shape and w.bests[name].flags.c_contiguous
