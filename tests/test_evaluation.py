"""Evaluation: the measures the README reports, on a tiny SQuAD file and the dev questions."""

from __future__ import annotations

import json
from pathlib import Path

from retrieval.evaluation import evaluate_dev, evaluate_squad, load_dev, load_squad, quotes_one_of
from bot.terminal.cli import main
from retrieval import AnswerEngine, IndexStore

DATA = Path(__file__).resolve().parent / "data"
SQUAD = DATA / "squad-mini.json"


def test_expected_answers_match_across_case_spaces_and_apostrophes():
    assert quotes_one_of("L’armée a quitté  l'Irak\u00a0hier.", ["l'ARMÉE a quitté l’Irak hier"])
    assert not quotes_one_of("L'armée est restée.", ["quitté"])


def test_squad_articles_become_documents_with_one_paragraph_per_context():
    documents, questions = load_squad(SQUAD)
    assert [d.title for d in documents] == ["Port de Marseille", "Volcan"]
    assert [len(d.paragraphs) for d in documents] == [2, 1]
    assert [q.document for q in questions] == ["000", "000", "001", "001"]
    assert questions[0].answers == ("3,2 millions",)


def test_squad_report_counts_answers_in_the_right_article_and_unanswered_questions():
    documents, questions = load_squad(SQUAD)
    report = evaluate_squad(AnswerEngine(documents), questions)
    # Three questions are answered from their article; the capital of Japan is in none.
    assert (report.questions, report.at_1, report.at_3, report.unanswered) == (4, 0.75, 0.75,
                                                                                0.25)
    assert 0 < report.median_chars <= 300


def test_an_answer_quoted_from_another_article_does_not_count():
    documents, questions = load_squad(SQUAD)
    moved = [q.__class__(q.question, q.answers, "001") for q in questions[:1]]
    assert evaluate_squad(AnswerEngine(documents), moved).at_1 == 0


def test_dev_report_names_the_questions_it_gets_wrong(tmp_path):
    dev = tmp_path / "dev.jsonl"
    dev.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"question": "Qui a signé la lettre ?", "expected": ["William H. Seely"]},
        {"question": "Qui a signé la lettre ?", "expected": ["Mark Esper"]},
        {"question": "Quelle est la capitale du Japon ?", "expected": None},
    ]) + "\n", encoding="utf-8")
    engine = AnswerEngine.from_folder(DATA.parent.parent / "seeds", IndexStore(cache_dir=tmp_path))
    report = evaluate_dev(engine, load_dev(dev))
    assert (report.questions, report.right) == (3, 2)
    assert report.wrong == ("Qui a signé la lettre ?",)


def test_eval_command_prints_the_report(capsys):
    assert main(["eval", "--squad", str(SQUAD)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == ["questions           4", "answer in excerpt@1 75.0%",
                         "answer in excerpt@3 75.0%", "no answer given     25.0%"]
    assert lines[4].startswith("median excerpt")
