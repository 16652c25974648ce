"""Answering: a question's terms and wanted kind of answer (question.py), the candidate
windows' features (features.py), the learned ranker (ranker.py), the chosen excerpts
(selection.py), and what comes out (results.py)."""
