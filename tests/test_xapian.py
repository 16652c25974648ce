"""The Xapian index: the same hits as the memory index, one shard or three, local or served by
real xapian-tcpsrv processes, a shard lost and back, incremental updates, bad settings."""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchmarks.corpus import CorpusWriter
from bot.terminal.cli import main
from conftest import free_port
from retrieval import AnswerEngine, IndexStore, IndexUnavailable, build_xapian, update_xapian
from retrieval.articles.corpus import Corpus
from retrieval.articles.documents import Header, Place, paragraph_digest
from retrieval.articles.files import file_status
from retrieval.index.contract import lucene_idf
from retrieval.index.memory import MemoryIndex, passage_terms
from retrieval.index.xapian_index import XapianIndex
from test_cache import MIXED, analysed_words
from test_index import random_corpus

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
QUESTIONS = [
    "Qui a signé la lettre ?", "qui dirige le pentagonne", "Combien de soldats en Irak ?",
    "Quand le Parlement irakien a-t-il voté ?", "Qui a démenti ?", "Bonjour",
    "Quelle est la capitale du Japon ?",
]


def xapian_idf(size: int, df: int) -> float:
    """Xapian's BM25 idf (BM25Weight::init): log(r), r = (N - df + 0.5)/(df + 0.5), with r
    below 2 replaced by 1 + r/2; Lucene's is log(1 + r)."""
    r = (size - df + 0.5) / (df + 0.5)
    return math.log(r if r >= 2 else 1 + r / 2)


def shards(directory: Path, n: int) -> tuple[str, ...]:
    return tuple(str(directory / f"shard-{i}") for i in range(n))


def write_corpus(folder: Path, documents) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for d in documents:
        (folder / f"{d.id}.txt").write_text(f"{d.title}\n\n{d.text}", encoding="utf-8")
    return folder


@pytest.mark.parametrize("seed", range(12))
def test_xapian_scores_are_bm25_with_xapians_idf_and_rank_as_the_memory_index(seed, tmp_path):
    rng = random.Random(seed)
    documents, _ = random_corpus(rng)
    folder = write_corpus(tmp_path / "corpus", documents)
    parsed = Corpus.listing(folder)[:]  # as parsed from the files, as both indexes read them
    memory = MemoryIndex.build(parsed)
    build_xapian(tmp_path / "x", folder, shards=1 + seed % 3)
    xapian = XapianIndex.open(shards(tmp_path / "x", 1 + seed % 3))
    terms = [set(t) for t in passage_terms(parsed)]
    known = sorted(set().union(*terms))
    df = {t: sum(t in p for p in terms) for t in known}
    n = len(memory)
    assert len(xapian) == n
    same_first = 0
    for n_query in range(20):
        query = list(dict.fromkeys(rng.choices(known, k=rng.randint(1, 4))))
        weights = {t: rng.choice([0.5, 1.0, 3.7]) for t in query}
        # Groups of alternatives are summed as any terms (Xapian 1.4's OP_MAX crashed over
        # several shards).
        groups = {t: rng.randint(0, 1) for t in query} if n_query % 2 else None
        # Each term's memory score, rescaled by Xapian's idf: Xapian's documented score.
        expected: dict[tuple[str, int], float] = {}
        for t in query:
            ratio = xapian_idf(n, df[t]) / float(lucene_idf(n, df[t]))
            for m in memory.search([t], n, {t: weights[t]}):
                key = (m.document, m.paragraph)
                expected[key] = expected.get(key, 0.0) + m.score * ratio
        hits = xapian.search(query, 5, weights, groups)
        assert hits and len(hits) == min(5, len(expected))
        for hit in hits:
            assert hit.score == pytest.approx(expected[hit.document, hit.paragraph], rel=1e-9)
            assert hit.matched == {t for t in query if t in terms[
                [(d.id, p.number) for d in parsed for p in d.paragraphs].index(
                    (hit.document, hit.paragraph))]}
        assert hits[0].score == pytest.approx(max(expected.values()), rel=1e-9)
        first = memory.search(query, 1, weights)[0]
        same_first += (first.document, first.paragraph) == (hits[0].document, hits[0].paragraph)
        assert xapian.idf(query[0]) == memory.idf(query[0])
    assert same_first >= 10  # where common terms weigh more in Xapian, the first may differ
    assert all(t in xapian for t in known) and "inconnu" not in xapian
    assert xapian.terms_starting(known[0][:2]) == memory.terms_starting(known[0][:2])


def test_xapian_ranks_ties_in_corpus_order_and_leaves_out_what_weighs_nothing(tmp_path):
    """Passages of equal score come in corpus order, whichever of them Xapian read first (its
    shards interleave their passages: g's, then b's, then a's here), and one that holds only a
    term weighted 0 is not found."""
    from dataclasses import replace

    from test_index import document
    same = "Le cylindre de Cyrus est exposé."
    documents = [replace(document(i, paragraphs), title="Nouvelles") for i, paragraphs in [
        ("a", ["Une autre histoire.", "Une autre encore.", same]), ("b", [same]), ("g", [same]),
        ("h", ["Un cylindre seulement.", "Rien de Cyrus ici."])]]
    folder = write_corpus(tmp_path / "corpus", documents)
    build_xapian(tmp_path / "x", folder, shards=3)
    xapian = XapianIndex.open(shards(tmp_path / "x", 3))
    hits = xapian.search(["cyrus", "cylindr"], 2)
    assert [(h.document, h.paragraph) for h in hits] == [("a", 3), ("b", 1)]
    assert hits[0].score == hits[1].score and hits[0].matched == {"cyrus", "cylindr"}
    found = xapian.search(["cyrus", "cylindr"], 10, {"cyrus": 0.0, "cylindr": 1.0})
    assert ("h", 1) in [(h.document, h.paragraph) for h in found]
    assert ("h", 2) not in [(h.document, h.paragraph) for h in found]


@pytest.fixture(scope="module")
def news(tmp_path_factory) -> Path:
    """The seed article and 40 generated French-like articles."""
    folder = tmp_path_factory.mktemp("news")
    CorpusWriter(seed=3).write(folder, 800)
    shutil.copy(next(SEEDS.glob("*.txt")), folder)
    return folder


@pytest.fixture(scope="module")
def built(news, tmp_path_factory) -> dict[int, Path]:
    """The news built into 1 and into 3 shards."""
    directories = {}
    for n in (1, 3):
        directories[n] = tmp_path_factory.mktemp(f"xapian{n}")
        build_xapian(directories[n], news, n)
    return directories


def answers(engine: AnswerEngine, questions: list[str]) -> list:
    return [[(e.text, e.source, e.highlights) for e in engine.answer(q).excerpts]
            for q in questions]


def generated_questions(news: Path) -> list[str]:
    """Questions from the generated articles' own words."""
    rng = random.Random(0)
    words = [w for f in sorted(news.glob("0*.txt"))[:20]
             for w in f.read_text(encoding="utf-8").split()[5:40:7]]
    return [f"Qui {' '.join(rng.sample(words, 3))} ?" for _ in range(20)]


def test_one_and_three_shards_give_the_same_answers_as_each_other(news, built, tmp_path):
    questions = QUESTIONS + generated_questions(news)
    one = AnswerEngine.from_folder(news, IndexStore("xapian", databases=shards(built[1], 1)))
    three = AnswerEngine.from_folder(news, IndexStore("xapian", databases=shards(built[3], 3)))
    memory = AnswerEngine.from_folder(news, IndexStore(cache_dir=tmp_path))
    assert answers(one, questions) == answers(three, questions)
    seed_answers = answers(three, QUESTIONS)
    assert seed_answers == answers(memory, QUESTIONS)
    assert "William H. Seely" in seed_answers[0][0][0]


def test_answers_from_three_shards_parse_no_article_and_quote_as_parsing_would(
        news, built, monkeypatch):
    """Each article's first passage keeps its outline: quotes are sliced from the file as
    read, with the same sources as from the articles parsed."""
    import retrieval.articles.documents as documents

    questions = QUESTIONS + generated_questions(news)
    monkeypatch.setattr(XapianIndex, "outline", lambda self, document_id: None)
    parsed = answers(AnswerEngine.from_folder(
        news, IndexStore("xapian", databases=shards(built[3], 3))), questions)
    monkeypatch.undo()
    monkeypatch.setattr(documents, "parse_txt", None)
    monkeypatch.setattr(documents, "parse_md", None)
    three = AnswerEngine.from_folder(news, IndexStore("xapian", databases=shards(built[3], 3)))
    assert answers(three, questions) == parsed


def test_an_article_changed_since_indexing_is_not_quoted_from_its_old_outline(tmp_path):
    """The outline is of the content indexed: a file changed since is refused, as before."""
    folder = write_corpus(tmp_path / "corpus", [])
    shutil.copy(SEEDS / next(p.name for p in SEEDS.iterdir() if p.suffix in (".txt", ".md")),
                folder)
    build_xapian(tmp_path / "db", folder, 1)
    store = IndexStore("xapian", databases=shards(tmp_path / "db", 1))
    assert AnswerEngine.from_folder(folder, store).answer("Qui a signé la lettre ?").answered
    article = next(folder.iterdir())
    article.write_text("Autre chose\n\n" + article.read_text(encoding="utf-8")[40:],
                       encoding="utf-8")
    assert not AnswerEngine.from_folder(folder, store).answer("Qui a signé la lettre ?").answered


@pytest.fixture
def later_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every article indexed 10 s after it was written, as an archive's are: none of them is
    racy (files.RACY_NS) when it is quoted."""
    import retrieval.index.xapian_index as xapian_index

    clock = time.time_ns
    monkeypatch.setattr(xapian_index, "time", SimpleNamespace(
        time_ns=lambda: clock() + 10 * 10**9, monotonic=time.monotonic,
        perf_counter=time.perf_counter))


def test_quotes_from_three_shards_read_only_their_paragraphs(news, tmp_path, later_index,
                                                             whole_reads, monkeypatch):
    """Each passage keeps its place in its file: a file as indexed is read at the quoted
    paragraph's bytes only, with the same quotes and sources as from the whole files."""
    build_xapian(tmp_path / "db", news, 3)
    store = IndexStore("xapian", databases=shards(tmp_path / "db", 3))
    questions = QUESTIONS + generated_questions(news)
    three = answers(AnswerEngine.from_folder(news, store), questions)
    assert whole_reads == [] and any(three)
    monkeypatch.setattr(XapianIndex, "place", lambda self, document, paragraph: None)
    assert answers(AnswerEngine.from_folder(news, store), questions) == three
    assert whole_reads


def test_an_article_edited_outside_the_quoted_paragraph_is_not_quoted_from_xapian(
        tmp_path, later_index):
    """Its paragraph's bytes are still those indexed, where they were; its title is not:
    its status says the file changed, and the whole file, not the one indexed, is refused."""
    folder = write_corpus(tmp_path / "corpus", [])
    seed = next(p for p in SEEDS.iterdir() if p.suffix == ".txt")
    article = folder / seed.name
    shutil.copy(seed, article)
    build_xapian(tmp_path / "db", folder, 1)
    engine = AnswerEngine.from_folder(folder, IndexStore("xapian",
                                                         databases=shards(tmp_path / "db", 1)))
    assert engine.answer("Qui a signé la lettre ?").answered
    text = article.read_text(encoding="utf-8")
    article.write_text(text[:3].upper() + text[3:], encoding="utf-8")  # the same size
    assert not engine.answer("Qui a signé la lettre ?").answered


def test_a_place_naming_a_file_out_of_the_folder_is_never_read(tmp_path):
    """An index (damaged, forged) whose article id and place name a file elsewhere: the
    paragraph is not read, whatever its digest says."""
    folder = write_corpus(tmp_path / "corpus", [])
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"Le mot de passe est 1234.")
    os.utime(secret, ns=(0, 0))
    document = f"x{os.sep}..{os.sep}..{os.sep}secret"
    data = secret.read_bytes()
    place = Place(Header(document, "Secret"), 1, 0, len(data), 0, len(data),
                  paragraph_digest(1, 0, len(data), data),
                  (f"{document}.txt", file_status(secret), time.time_ns() + 10**10))
    corpus = Corpus.listing(folder, place=lambda d, n: place)
    (folder / "x").mkdir()
    assert corpus.passage(document, 1) is None


def test_the_cli_builds_shards_and_says_what_it_built(news, tmp_path, capsys):
    assert main(["index", "--xapian", str(tmp_path / "db"), "--shards", "3",
                 "--corpus", str(news)]) == 0
    out = capsys.readouterr().out
    assert "3 Xapian database(s)" in out and "41 articles, 806 passages" in out
    assert all(f"shard-{i}: " in out for i in range(3))
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["shard-0", "shard-1", "shard-2"]


def test_update_reindexes_only_the_changed_articles_and_answers_see_it(tmp_path, capsys):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, folder)
    (folder / "port.txt").write_text("Le port\n\nLe port de Marseille a battu un record de "
                                     "trafic en 2019.\n", encoding="utf-8")
    (folder / "volcan.txt").write_text("Le volcan\n\nLe volcan Etna est entré en éruption "
                                       "dimanche.\n", encoding="utf-8")
    db = tmp_path / "db"
    build_xapian(db, folder, 2)
    # The engine looks for a new revision at every question (a running bot: every second).
    store = IndexStore("xapian", databases=shards(db, 2), reopen_seconds=0)
    engine = AnswerEngine.from_folder(folder, store)
    assert engine.answer("Quel record a battu le port de Marseille ?").answered

    (folder / "port.txt").write_text("Le port\n\nLe port du Havre a accueilli un paquebot "
                                     "géant en 2020.\n", encoding="utf-8")
    (folder / "volcan.txt").unlink()
    (folder / "ski.md").write_text("# Neige\n\nLa station de ski de Chamonix ouvre samedi.\n",
                                   encoding="utf-8")
    # Before the update the changed article is not quoted from its old paragraphs.
    stale = engine.answer("Quel record a battu le port de Marseille ?")
    assert all("Marseille" not in e.text for e in stale.excerpts)

    assert main(["index", "--xapian", str(db), "--update", "--corpus", str(folder)]) == 0
    assert "1 added, 1 changed, 1 removed, 1 unchanged" in capsys.readouterr().out
    for answering in (engine, AnswerEngine.from_folder(folder, store)):
        assert "paquebot" in answering.answer("Quel paquebot au port du Havre ?").excerpts[0].text
        assert "Chamonix" in answering.answer("Quand ouvre la station de ski ?").excerpts[0].text
        assert not answering.answer("Quand le volcan Etna est-il entré en éruption ?").answered
    report = update_xapian(db, folder)
    assert (report.added, report.changed, report.removed, report.unchanged) == (0, 0, 0, 3)
    (folder / "ski.md").write_text("# Neige\n\nLa station de ski de Megève ouvre lundi.\n",
                                   encoding="utf-8")
    report = update_xapian(db, folder, [folder / "ski.md"])  # one article, as a watcher would
    assert (report.added, report.changed, report.removed, report.unchanged) == (0, 1, 0, 0)
    assert "Megève" in engine.answer("Quand ouvre la station de ski ?").excerpts[0].text


def kept_words(index: XapianIndex, document) -> list:
    """Each paragraph's words and sentences and its title's terms as the index keeps them."""
    return [tuple(w) if (w := index.words(document.id, p.number)) else None
            for p in document.paragraphs]


def test_each_passage_keeps_its_analysis_through_an_update(tmp_path):
    """What answering reads instead of analysing a paragraph (a very long one too): each
    word's term and span, each sentence's span and the title's terms, as the analyzer and
    sentence_spans give them, from a search's passages and from others; an article changed
    and updated has its new ones."""
    folder = write_corpus(tmp_path / "corpus", [])
    for name, text in MIXED.items():
        (folder / name).write_text(text, encoding="utf-8")
    shutil.copy(next(SEEDS.glob("*.txt")), folder)
    build_xapian(tmp_path / "db", folder, 2)
    index = XapianIndex.open(shards(tmp_path / "db", 2), reopen_seconds=0)
    documents = Corpus.listing(folder)[:]
    assert max(len(p.text) for d in documents for p in d.paragraphs) > 100_000
    for document in documents:
        assert kept_words(index, document) == analysed_words(document)
    found = index.search(["été", "chaud"], 3)
    assert found and all(tuple(index.words(m.document, m.paragraph) or ()) == analysed_words(
        next(d for d in documents if d.id == m.document))[m.paragraph - 1] for m in found)
    assert index.words("accents", 3) is None and index.words("nowhere", 1) is None

    (folder / "accents.txt").write_text("Abeilles\n\nAbricots et zèbres à Besançon.\n",
                                        encoding="utf-8")
    update_xapian(tmp_path / "db", folder)
    for document in Corpus.listing(folder)[:]:
        assert kept_words(index, document) == analysed_words(document)


def test_a_passage_whose_kept_analysis_is_damaged_is_analysed_and_answers_the_same(tmp_path):
    """A passage whose analysis does not fit together (cut short, offsets past its
    paragraph) is read as if none were kept: its paragraph is analysed, and the answers are
    those of the analyses intact."""
    import xapian

    build_xapian(tmp_path / "db", SEEDS, 1)
    store = IndexStore("xapian", databases=shards(tmp_path / "db", 1))
    intact = answers(AnswerEngine.from_folder(SEEDS, store), QUESTIONS)
    db = xapian.WritableDatabase(str(tmp_path / "db" / "shard-0"), xapian.DB_OPEN)
    damaged = []
    for posting in db.postlist(""):
        document = db.get_document(posting.docid)
        head, outline, analysis = document.get_data().split(b"\n", 2)
        # Cut short on odd passages; on even ones, the paragraph's length said to be 1.
        analysis = (analysis[:-1] if posting.docid % 2 else
                    analysis[:1] + (1).to_bytes(analysis[0], "little") + analysis[1 + analysis[0]:])
        document.set_data(b"\n".join([head, outline, analysis]))
        db.replace_document(posting.docid, document)
        damaged.append(json.loads(head)[:2])
    db.commit()
    db.close()
    index = XapianIndex.open(shards(tmp_path / "db", 1))
    assert damaged and all(index.words(d, p) is None for d, p in damaged)
    assert answers(AnswerEngine.from_folder(SEEDS, store), QUESTIONS) == intact


# ---- real xapian-tcpsrv processes on 127.0.0.1 ----

def tcpsrv() -> str:
    """xapian-tcpsrv (Debian's xapian-tools); CI must have it: missing there is a failure."""
    found = shutil.which("xapian-tcpsrv")
    if found is None:
        message = "xapian-tcpsrv not found: apt-get install xapian-tools (make does as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


# Ports tried for a shard's server: another test's server may take a free port first.
PORT_ATTEMPTS = 3


def serve(database: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen([tcpsrv(), "--interface", "127.0.0.1", "--port", str(port),
                               str(database)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            time.sleep(0.05)
            continue
        # Another test's server may hold the port (free_port's port taken meanwhile by a test
        # running beside): answering is not enough, this server must be the one alive.
        time.sleep(0.1)
        if server.poll() is None:
            return server
    stop(server)
    raise RuntimeError(f"xapian-tcpsrv did not start on port {port}")


def stop(server: subprocess.Popen) -> None:
    """The server and the process it forks per connection, killed: a shard gone down."""
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:  # already stopped
        pass
    server.wait()


@pytest.fixture
def servers(built) -> Iterator[list[tuple[subprocess.Popen, int]]]:
    """Three xapian-tcpsrv, one per shard, on free ports of 127.0.0.1."""
    running = []
    try:
        for i in range(3):
            for attempt in range(PORT_ATTEMPTS):
                port = free_port()
                try:
                    running.append((serve(built[3] / f"shard-{i}", port), port))
                    break
                except RuntimeError:
                    if attempt == PORT_ATTEMPTS - 1:
                        raise
        yield running
    finally:
        for server, _ in running:
            stop(server)


def bot(args: list[str], databases: str, corpus: Path, **options) -> subprocess.Popen:
    env = {**os.environ, "INDEX_BACKEND": "xapian", "XAPIAN_DATABASES": databases,
           "CORPUS_DIR": str(corpus)}
    return subprocess.Popen([sys.executable, "-m", "bot", *args], env=env, cwd=ROOT, text=True,
                            **options)


def without_scores(answer: dict) -> dict:
    return {**answer, "results": [{k: v for k, v in r.items() if k != "score"}
                                  for r in answer["results"]]}


def test_remote_shards_send_each_passages_kept_analysis(news, built, servers):
    """A passage's analysis travels with it from the shards that xapian-tcpsrv serves."""
    remote = XapianIndex.open([f"tcp://127.0.0.1:{port}" for _, port in servers])
    local = XapianIndex.open(shards(built[3], 3))
    documents = Corpus.listing(news)[:8]
    for document in documents:
        assert kept_words(remote, document) == kept_words(local, document) == analysed_words(
            document)
    found = remote.search(analysed_words(documents[0])[0][0][:3], 6)
    assert found and [tuple(remote.words(m.document, m.paragraph) or ()) for m in found] == [
        tuple(local.words(m.document, m.paragraph) or ()) for m in found]


def test_three_remote_shards_answer_as_the_memory_index_in_the_same_json(news, servers,
                                                                        tmp_path):
    remote = ",".join(f"tcp://127.0.0.1:{port}" for _, port in servers)
    questions = "\n".join(QUESTIONS) + "\n"
    out = bot(["ask", "--json", "-"], remote, news, stdin=subprocess.PIPE,
              stdout=subprocess.PIPE).communicate(questions, timeout=60)[0]
    env = {**os.environ, "CORPUS_DIR": str(news), "CACHE_DIR": str(tmp_path)}
    expected = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "-"], input=questions,
                              capture_output=True, text=True, env=env, cwd=ROOT,
                              timeout=60).stdout
    # The same quotes, sources and highlights; scores within rounding, as remote shards send
    # their weights as text.
    got, want = ([json.loads(line) for line in text.splitlines()] for text in (out, expected))
    assert [without_scores(a) for a in got] == [without_scores(a) for a in want]
    assert all(x["score"] == pytest.approx(y["score"], abs=1e-3)
               for a, b in zip(got, want) for x, y in zip(a["results"], b["results"]))
    first = got[0]["results"][0]
    article = (news / f"{first['source']['document']}.txt").read_text(encoding="utf-8")
    assert article[first["source"]["start"]:first["source"]["end"]] == first["excerpt"]


def test_a_shard_lost_while_running_gets_an_apology_then_the_bot_recovers(news, built,
                                                                         servers):
    remote = ",".join(f"tcp://127.0.0.1:{port}" for _, port in servers)
    chat = bot(["ask", "--json", "-"], remote, news, stdin=subprocess.PIPE,
               stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def ask(question: str) -> dict:
        chat.stdin.write(question + "\n")
        chat.stdin.flush()
        return json.loads(chat.stdout.readline())

    try:
        assert ask("Qui a signé la lettre ?")["answered"]
        lost, port = servers[1]
        stop(lost)  # every question needs every shard: the statistics are combined
        for _ in range(2):
            started = time.monotonic()
            reply = ask("Qui a signé la lettre ?")
            assert "Xapian" in reply["error"] and time.monotonic() - started < 10
        servers[1] = (serve(built[3] / "shard-1", port), port)
        assert ask("Qui a signé la lettre ?")["answered"]
        assert ask("Qui a envoyé la lettre au commandement irakien ?")["answered"]
    finally:
        chat.kill()
        chat.communicate()


def test_an_unreachable_shard_at_start_is_one_line_and_a_failure(news, built, capsys,
                                                                 monkeypatch):
    tcpsrv()
    port = free_port()
    monkeypatch.setenv("INDEX_BACKEND", "xapian")
    monkeypatch.setenv("XAPIAN_DATABASES", f"{built[3] / 'shard-0'},tcp://127.0.0.1:{port}")
    started = time.monotonic()
    assert main(["ask", "--corpus", str(news), "Qui a signé la lettre ?"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and f"tcp://127.0.0.1:{port}" in err
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("value, says", [
    ("", "INDEX_BACKEND=xapian needs XAPIAN_DATABASES"),
    ("tcp://127.0.0.1", "is neither tcp://HOST:PORT"),
    ("tcp://:8000", "is neither tcp://HOST:PORT"),
    ("tcp://host:99999", "a port from 1 to 65535"),
    ("http://host:8000", "is neither tcp://HOST:PORT"),
    ("db/shard-0,,db/shard-1", "has an empty entry"),
    ("db/shard-0,", "has an empty entry"),
    ("/nowhere/shard-0", "no Xapian database at /nowhere/shard-0"),
])
def test_bad_xapian_databases_are_one_clear_line(value, says, monkeypatch, capsys):
    monkeypatch.setenv("INDEX_BACKEND", "xapian")
    monkeypatch.setenv("XAPIAN_DATABASES", value)
    assert main(["ask", "Qui a signé la lettre ?"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and says in err and "Traceback" not in err


def test_a_bad_index_backend_is_one_clear_line(monkeypatch, capsys):
    monkeypatch.setenv("INDEX_BACKEND", "elastic")
    assert main(["ask", "Qui a signé la lettre ?"]) == 1
    assert capsys.readouterr().err == "error: INDEX_BACKEND must be one of memory, xapian, " \
                                      "not 'elastic'\n"


def test_the_index_unavailable_error_is_a_connection_error():
    """So that every face reports it as it reports an unreachable service."""
    assert issubclass(IndexUnavailable, ConnectionError)
    with pytest.raises(IndexUnavailable):
        XapianIndex.open(())


def test_the_telegram_bot_apologises_while_a_shard_is_down_and_recovers(news, built, servers,
                                                                       telegram, tmp_path):
    """...and /healthz says so meanwhile; the outage is one log line per question, no
    traceback."""
    from telegram_harness import bot_env, http_get, quotes, running_bot

    remote = ",".join(f"tcp://127.0.0.1:{port}" for _, port in servers)
    env = bot_env(telegram, news, INDEX_BACKEND="xapian", XAPIAN_DATABASES=remote)
    user = telegram.user("fr")
    chat = telegram.private_chat(user)

    def ask(question: str) -> dict:
        mark = telegram.mark()
        telegram.send(chat, user, question)
        return telegram.replies(chat["id"], 1, since=mark)[0]

    health = f"http://127.0.0.1:{env['METRICS_PORT']}/healthz"
    with running_bot(telegram, env, tmp_path / "bot.log") as bot:
        assert "William H. Seely" in quotes(ask("Qui a signé la lettre ?"))[0]
        assert http_get(health)[0] == 200
        lost, port = servers[2]
        stop(lost)
        started = time.monotonic()
        assert ask("Qui a signé la lettre ?")["text"].startswith("Désolé")
        assert time.monotonic() - started < 10
        status, _, body = http_get(health)
        assert status == 503 and json.loads(body)["shards"] == {
            f"tcp://127.0.0.1:{p}": p != port for _, p in servers}
        servers[2] = (serve(built[3] / "shard-2", port), port)
        assert "William H. Seely" in quotes(ask("Qui a signé la lettre ?"))[0]
        assert http_get(health)[0] == 200
    outage = [line for line in bot.log().splitlines() if "unavailable" in line]
    assert len(outage) == 1 and "Traceback" not in bot.log()


def test_the_telegram_bot_does_not_start_without_its_shards(news, telegram):
    from telegram_harness import bot_env, run_bot_once

    tcpsrv()
    env = bot_env(telegram, news, INDEX_BACKEND="xapian",
                  XAPIAN_DATABASES=f"tcp://127.0.0.1:{free_port()}")
    done = run_bot_once(env)
    assert done.returncode != 0
    assert "cannot open the Xapian shard at tcp://127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_changed_article_is_reindexed_alone_when_the_folder_changes(tmp_path, monkeypatch):
    """What the corpus watcher does with local Xapian databases: `rebuilt` re-indexes only
    the changed article, and the new engine answers from it."""
    from retrieval import rebuilt

    folder = tmp_path / "corpus"
    folder.mkdir()
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, folder)
    (folder / "port.txt").write_text("Le port\n\nLe port de Marseille a battu un record.\n",
                                     encoding="utf-8")
    build_xapian(tmp_path / "db", folder, 3)
    store = IndexStore("xapian", databases=shards(tmp_path / "db", 3))
    engine = AnswerEngine.from_folder(folder, store)
    (folder / "port.txt").write_text("Le port\n\nLe port du Havre a accueilli un paquebot.\n",
                                     encoding="utf-8")
    reports = []
    monkeypatch.setattr("retrieval.engine.update_xapian",
                        lambda *args: reports.append(update_xapian(*args)))
    engine = rebuilt(engine, folder, frozenset({folder / "port.txt"}))
    assert [(r.changed, r.unchanged, r.added) for r in reports] == [(1, 0, 0)]
    assert "paquebot" in engine.answer("Quel paquebot au port du Havre ?").excerpts[0].text


# Issue 18: a shard hung (its server stopped, not dead) held every question for
# REMOTE_TIMEOUT_MS in turn: six users heard after 5, 10, ... 30 s.
HUNG_SHARD_USERS = 6


def test_six_users_asking_while_a_shard_hangs_each_hear_within_its_timeout(news, built, servers,
                                                                          telegram, tmp_path):
    from retrieval.index.xapian_index import REMOTE_TIMEOUT_MS
    from telegram_harness import bot_env, quotes, running_bot

    remote = ",".join(f"tcp://127.0.0.1:{port}" for _, port in servers)
    env = bot_env(telegram, news, INDEX_BACKEND="xapian", XAPIAN_DATABASES=remote)
    users = [telegram.user("fr") for _ in range(HUNG_SHARD_USERS)]
    chats = [telegram.private_chat(u) for u in users]
    with running_bot(telegram, env, tmp_path / "bot.log"):
        mark = telegram.mark()
        telegram.send(chats[0], users[0], "Qui a signé la lettre ?")
        assert quotes(telegram.replies(chats[0]["id"], since=mark)[0])
        hung, _ = servers[1]
        os.killpg(hung.pid, signal.SIGSTOP)
        try:
            mark = telegram.mark()
            updates = []
            for chat, user in zip(chats, users):
                telegram.send(chat, user, "Qui a signé la lettre ?")
                updates.append(max(telegram.pushed))
            replies = [telegram.sent(chat["id"], since=mark) or telegram.wait_for(
                lambda _, c=chat: telegram.sent(c["id"], since=mark)) for chat in chats]
        finally:
            os.killpg(hung.pid, signal.SIGCONT)
        latencies = [r[0].at - telegram.pushed[u] for r, u in zip(replies, updates)]
        assert all(r[0].params["text"].startswith("Désolé") for r in replies)
        # Each hears about when the first try times out; in turn, the second would hear
        # after two timeouts.
        assert max(latencies) < 2 * REMOTE_TIMEOUT_MS / 1000, latencies
        deadline = time.monotonic() + 60
        while True:  # the shard back: answers again
            mark = telegram.mark()
            telegram.send(chats[0], users[0], "Qui a signé la lettre ?")
            if quotes(telegram.replies(chats[0]["id"], since=mark)[0]):
                break
            assert time.monotonic() < deadline, "no answer after the shard came back"
            time.sleep(0.5)
