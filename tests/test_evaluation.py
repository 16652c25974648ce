"""Evaluation: the measures the README reports, on a tiny SQuAD file and the dev questions."""

from __future__ import annotations

import json
from pathlib import Path

from retrieval.evaluation import (Judged, Refusals, evaluate_dev, evaluate_squad, held_out, judge,
                                  load_dev, load_squad, load_translated, quotes_one_of,
                                  risk_coverage, without_answers)
from bot.terminal.cli import main
from retrieval import AnswerEngine, IndexStore, parse_txt

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
    assert (report.questions, report.at_1, report.at_3, report.answered) == (4, 0.75, 0.75,
                                                                              0.75)
    assert report.precision == 1.0
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
    assert lines[:6] == ["## all questions", "questions            4",
                         "first quote right    75.0%", "one of three right   75.0%",
                         "coverage (answered)  75.0%", "precision (answered) 100.0%"]
    assert lines[6].startswith("median excerpt")


def test_unanswerable_set_drops_the_articles_and_any_question_answered_elsewhere():
    documents, questions = load_squad(SQUAD)
    # "48 heures" also stands in the volcano article: that question is not unanswerable.
    volcano = documents[1]
    documents[1] = parse_txt(volcano.id, volcano.text + "\n\nLa lave a coulé 48 heures.")
    kept, unanswerable = without_answers(documents, questions, {"000"})
    assert [d.id for d in kept] == ["001"]
    assert [q.question for q in unanswerable] == [
        "Combien de passagers de croisière le port de Marseille a-t-il accueillis en 2023 ?"]
    refusals = Refusals.of([judge(AnswerEngine(kept), q.question, q.answers, q.document)
                            for q in unanswerable])
    assert (refusals.questions, refusals.refused) == (1, 1.0)


def test_every_fifth_article_is_held_out_of_training():
    assert [held_out(f"{n:03d}") for n in range(10)] == [False] * 4 + [True] + [False] * 4 + [True]


def test_risk_coverage_table_trades_coverage_for_precision():
    right = Judged(True, True, 0.9, True, (100,))
    wrong = Judged(False, False, 0.35, True, (100,))
    never = Judged(False, False, 0.2, False, ())
    rows = risk_coverage([right, wrong], [never])[2:]
    cells = {row.split(" | ")[0].strip("| "): row.split(" | ")[1:] for row in rows}
    assert cells["0.0"][:2] == ["100.0%", "50.0%"] and cells["0.0"][3] == "0.0% |"
    assert cells["0.5"][:2] == ["50.0%", "100.0%"] and cells["0.5"][3] == "100.0% |"


def test_dev_report_counts_unanswerable_questions_rightly_refused(tmp_path):
    dev = tmp_path / "dev.jsonl"
    dev.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"question": "Qui a signé la lettre ?", "expected": ["William H. Seely"]},
        {"question": "Quelle est la capitale du Japon ?", "expected": None},
    ]) + "\n", encoding="utf-8")
    engine = AnswerEngine.from_folder(DATA.parent.parent / "seeds", IndexStore(cache_dir=tmp_path))
    lines = evaluate_dev(engine, load_dev(dev)).lines()
    assert "first quote right    100.0%" in lines
    assert "rightly refused        100.0%" in lines


def test_translated_questions_keep_their_originals_answers_and_article(tmp_path):
    _, questions = load_squad(SQUAD)
    translated = tmp_path / "english.jsonl"
    translated.write_text('{"piaf": 2, "question": "Which volcano erupted?"}\n', encoding="utf-8")
    english, originals = load_translated(translated, questions)
    assert originals == [questions[2]]
    assert (english[0].question, english[0].answers, english[0].document) == (
        "Which volcano erupted?", ("Piton de la Fournaise",), "001")


def test_eval_reports_questions_as_users_type_them_beside_the_same_as_written(tmp_path, capsys):
    typed = tmp_path / "typed.jsonl"
    typed.write_text('{"piaf": 2, "question": "Quel volcan est entre en eruptoin ?"}\n',
                     encoding="utf-8")
    assert main(["eval", "--squad", str(SQUAD), "--typed", str(typed)]) == 0
    out = capsys.readouterr().out
    typed_part, written_part = out.split("## typed as users do")[1].split("## the same")
    assert "questions            1" in typed_part and "questions            1" in written_part
    assert "first quote right    100.0%" in typed_part and "first quote right    100.0%" in written_part
