"""Follow-up questions: « Qui a signé la lettre ? » then « Et pourquoi ? » is one conversation.

A question leans on the one before when it is short and brings almost nothing of its own: a
question word alone (« quand ? », "why?"), a pronoun standing for what was named before (« et
lui ? », « qu'a-t-il dit ? »), or a start with "and" (« et … », "and …"). It is then read with
the previous question's words, at a lower weight, and the articles its answer quoted are
preferred. What a conversation remembers is a `Previous`: words and article ids, never who
asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..text.analysis import QUESTION_ANALYZER, remove_accents, tokenize
from .question import Query

# Words that start a question going on from the one before.
CONNECTIVES = frozenset("et mais puis alors ensuite aussi and but then so also".split())
# Pronouns standing for someone or something named before (accents folded).
PRONOUNS = frozenset(
    """il elle ils elles lui eux leur leurs celui celle ceux celles ca cela ce ci
    he she they him her them it its his their this that those these""".split())
# A question starting with a connective this long or shorter goes on from the one before.
MAX_FOLLOWUP_WORDS = 12
# A question with a pronoun leans on the one before when it has at most this many words of
# its own (« qu'a-t-il dit après ? »: two); more, and it names its own subject.
MAX_OWN_TERMS = 2
# The previous question's words count this much beside the follow-up's own: they say what it
# is about, the follow-up says what is asked.
CARRIED_WEIGHT = 0.5
# How many words of a conversation are carried: the last few questions, not a whole chat.
MAX_CARRIED_WORDS = 40
# Group numbers of carried terms start here, apart from the follow-up's own words.
CARRIED_GROUPS = 1_000_000


@dataclass(frozen=True, slots=True)
class Previous:
    """What a follow-up leans on: the words asked before (their names and topic words carry
    over) and the articles the answer quoted (preferred)."""

    words: str
    documents: tuple[str, ...] = ()


def leans_on_previous(question: str) -> bool:
    """Whether a question only makes sense with the one before it."""
    words = [remove_accents(t.term.casefold()) for t in tokenize(question)]
    if not words:
        return False
    own = QUESTION_ANALYZER.terms(question)
    if not own:
        return True  # « pourquoi ? », « et lui ? », "and when?"
    if words[0] in CONNECTIVES and len(words) <= MAX_FOLLOWUP_WORDS:
        return True
    return len(own) <= MAX_OWN_TERMS and not PRONOUNS.isdisjoint(words)


def merged(query: Query, previous: Query) -> Query:
    """The follow-up's query with the previous question's terms added at CARRIED_WEIGHT (a
    term of both keeps its larger weight); the kind of answer wanted is the follow-up's, or
    the previous question's when it does not say (« et lui ? »). The previous question's
    words are not carried: a term of it that is respelled keeps its carried weight."""
    boosts = dict(query.boosts)
    groups = dict(query.groups)
    for term, boost in previous.boosts.items():
        if term not in boosts:
            boosts[term] = boost * CARRIED_WEIGHT
            groups[term] = CARRIED_GROUPS + previous.groups[term]
    return Query(query.question, boosts, groups, query.wanted or previous.wanted,
                 query.english or previous.english, names=query.names | previous.names,
                 untranslated=query.untranslated | previous.untranslated,
                 cognates=query.cognates | previous.cognates, words=query.words)


def conversation(question: str, previous: Previous | None, quoted: Iterable[str]) -> Previous:
    """What the next follow-up leans on: this question (with the one it leaned on, if any)
    and the articles of its answer (else those preferred before)."""
    words = f"{previous.words} {question}" if previous else question
    documents = tuple(dict.fromkeys(quoted)) or (previous.documents if previous else ())
    return Previous(" ".join(words.split()[-MAX_CARRIED_WORDS:]), documents)
