"""English questions over French articles: the dictionary a reader's English words go through,
and what a French-speaking reader must never notice (a French question read as English)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.build_dictionary import invert, mended, merge
from retrieval import AnswerEngine, parse_txt
from retrieval.answer.question import parse_query, wanted_pattern
from retrieval.text.translation import base_forms, french_ordinals, shipped_dictionary

DATA = Path(__file__).resolve().parent / "data"
SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# French questions as people type them: no accents, typos, English words, one or two words.
FRENCH_AS_TYPED = [
    "qui a signe la lettre",
    "c'est quoi le pentagone ?",
    "pourquoi le retrait ?",
    "Combien de soldats americains en irak",
    "ou est l'ambassade",
    "Qui est le CEO de la boite ?",
    "Le meeting a eu lieu quand ?",
    "combien de followers sur son post",
    "Qui a gagne le match ?",
    "Il a dit quoi sur le budget ?",
    "quel est le prix du ticket",
    "Est ce que le gouvernement a demissionne ?",
    "C'est qui le boss du Pentagone",
    "les troupes vont partir ?",
    "Pourquoi ils ont envoye la lettre",
    "Quand a eu lieu l'attaque",
    "Qu'a dit Mark Esper ?",
    "Le parlement irakien a reclame quoi",
    "Il y avait combien de roquettes ?",
    "retrait irak",
]


@pytest.fixture(scope="module")
def ask() -> Callable[[str], str]:
    """The first quote the seed article gives for a question, "" when it gives none."""
    engine = AnswerEngine.from_folder(SEEDS)
    return lambda question: next((e.text for e in engine.answer(question).excerpts), "")


def test_words_only_the_french_english_dictionary_knows_are_translated():
    # FreeDict's English-French dictionary has no "survey" nor "billion": its French-English
    # one, turned round, does (« sondage: survey », « milliard: billion »).
    dictionary = shipped_dictionary()
    assert "sondage" in dictionary.translate("survey")
    assert "milliard" in dictionary.translate("billion")
    assert "revendication" in dictionary.entries["demand"]


def test_an_english_question_finds_a_word_only_the_turned_round_dictionary_knows():
    text = ("La mairie\n\nLa mairie a publié un sondage : 62 % des habitants veulent plus de "
            "pistes cyclables.\n\nLe maire a inauguré une nouvelle école dans le quartier nord "
            "de la ville, en présence des habitants.")
    # "survey" is « enquête » first, which the article does not use: the word weighs as
    # « sondage », its sense the article holds, not half as much (under a third of the question).
    quotes = AnswerEngine([parse_txt("mairie", text)]).judged_quotes(
        "What did the survey of the residents show?", 1).excerpts  # the ranker's, answer or not
    assert quotes and "62 %" in quotes[0].text


def test_translations_both_dictionaries_agree_on_come_first():
    eng_fra = {"demand": ["abattement", "exiger", "demander"]}
    fra_eng = {"demander": ["ask", "demand"], "réclamer": ["claim"], "revendication": ["demand"]}
    merged = merge(eng_fra, invert(fra_eng), [])
    assert merged["demand"][0] == "demander"
    assert "revendication" in merged["demand"]
    assert merged["claim"] == ["réclamer"]


def test_a_french_word_that_gives_the_english_one_first_is_the_likelier_sense():
    """« exiger » means "demand" first; « demander » means "ask" first and "demand" later."""
    eng_fra = {"demand": ["demander", "exiger"]}
    fra_eng = {"demander": ["ask", "book", "demand"], "exiger": ["demand", "require"]}
    assert merge(eng_fra, invert(fra_eng), [])["demand"] == ["exiger", "demander"]


def test_a_less_likely_translation_weighs_less_in_the_question():
    boosts = parse_query("What did the parliament demand?", shipped_dictionary()).boosts
    assert boosts["exig"] > boosts["demand"] > 0


def test_nationalities_and_countries_are_put_in_french():
    dictionary = shipped_dictionary()
    assert "irakien" in dictionary.translate("Iraqi")
    assert "américain" in dictionary.translate("American")
    assert "Irak" in dictionary.translate("Iraq")
    assert "Allemagne" in dictionary.translate("Germany")
    # FreeDict has no "Israeli" nor "Turkish": Apertium from French gives their adjectives
    # (« israélien » → israelí → "Israeli"); for "Ugandan", which none gives, WordNet links it
    # to its country.
    assert "israélien" in dictionary.translate("Israeli")
    assert "turc" in dictionary.translate("Turkish")
    assert "Ouganda" in dictionary.translate("Ugandan")


def test_a_country_of_several_words_is_looked_up_as_one(ask):
    query = parse_query("How many soldiers did the United States have in Iraq?",
                        shipped_dictionary())
    # « États-Unis », one word of the question, not "united" (« solidaire ») and "states"
    # apart.
    assert query.groups["etat"] == query.groups["unis"]
    assert "solidair" not in query.terms
    assert "5200 soldats" in ask(query.question)


def test_irregular_english_forms_get_their_base_forms_translations():
    dictionary = shipped_dictionary()
    assert "envoyer" in dictionary.translate("sent")
    assert "gagner" in dictionary.translate("won")
    assert "enfant" in dictionary.translate("children")
    assert "gauche" in dictionary.translate("left")  # its own sense first
    assert "laisser" in dictionary.translate("left")  # then "leave"'s


def test_names_and_numbers_are_kept_as_they_are():
    query = parse_query("What did Mark Esper announce on 6 January 2020?", shipped_dictionary())
    assert query.english
    assert {"mark", "esper", "6", "2020", "annonc"} <= set(query.terms)


@pytest.mark.parametrize("question", [
    "How much does a new car cost in Germany?",
    "What time does the train to Paris leave?",
    "Can I unsubscribe from the newsletter?",  # the page's cookie notice is not the article
    "Who is the president of France?",
])
def test_an_english_question_the_article_does_not_answer_gets_no_quote(ask, question):
    assert parse_query(question, shipped_dictionary()).english
    assert ask(question) == ""


def test_french_questions_are_never_taken_for_english():
    dev = [json.loads(line)["question"] for line in (DATA / "dev.jsonl").read_text().splitlines()]
    french = [q for q in dev if not q.startswith(("Who", "What", "Where"))] + FRENCH_AS_TYPED
    assert [q for q in french if parse_query(q, shipped_dictionary()).english] == []


def test_a_translation_more_dictionaries_give_comes_first():
    """FreeDict gives "share" as « ration » first; Apertium (through Spanish) and FreeDict's
    French-English dictionary agree on « partager »."""
    eng_fra = {"share": ["ration", "partager"]}
    fra_eng = {"partager": ["share"], "ration": ["ration", "share"]}
    through_spanish = {"share": ["action", "partager"]}
    assert merge(eng_fra, invert(fra_eng), [through_spanish])["share"][0] == "partager"


def _quote(paragraphs: list[str], question: str) -> str:
    """The ranker's first quote for the question (answer or not) on one article."""
    text = "\n\n".join(["L'article", *paragraphs])
    quotes = AnswerEngine([parse_txt("article", text)]).judged_quotes(question, 1).excerpts
    return quotes[0].text if quotes else ""


def test_an_english_word_only_apertium_translates_finds_its_french_quote():
    # FreeDict has no "political": Apertium's "político" → « politique » has.
    assert "politique" in shipped_dictionary().translate("political")
    quote = _quote(["Le système ferroviaire suisse est l'un des plus denses d'Europe, avec des "
                    "trains toutes les demi-heures.",
                    "Le système politique de la Suisse est une démocratie directe : les "
                    "citoyens votent plusieurs fois par an.",
                    "La Suisse compte vingt-six cantons et quatre langues nationales."],
                   "What is the political system of Switzerland?")
    assert "démocratie directe" in quote


def test_an_english_past_finds_the_french_participle():
    # "sent" → « envoyer », whose stem is « envoi »'s ("envoi"), not « envoyée »'s ("envoy").
    quote = _quote(["La lettre, longue de deux pages, a été rédigée en janvier par Jean Dupont, "
                    "le maire de la ville, et signée par Paul Durand.",
                    "Une lettre a été envoyée à Marie Martin la semaine suivante.",
                    "L'envoi des colis de la mairie à Pierre Leroy a pris du retard."],
                   "Who was the letter sent to?")
    assert "Marie Martin" in quote


def test_places_get_their_french_names():
    dictionary = shipped_dictionary()
    assert "Bagdad" in dictionary.translate("Baghdad")
    assert "Moscou" in dictionary.translate("Moscow")
    assert "Londres" in dictionary.translate("London")


def test_regular_english_forms_get_their_base_forms_translations():
    dictionary = shipped_dictionary()
    assert dictionary.translate("used") == dictionary.translate("use")  # not "us"
    assert dictionary.translate("stopped") == dictionary.translate("stop")
    assert dictionary.translate("themes") == dictionary.translate("theme")  # not "them"
    assert dictionary.translate("lines") == dictionary.translate("line")  # not "lin"
    assert base_forms("boxes")[0] == "box" and base_forms("wishes")[0] == "wish"


def test_an_english_modal_is_not_translated_as_a_noun():
    # Apertium's "can" is a tin (« boîte de conserve »), not what a question asks.
    query = parse_query("What can the residents change?", shipped_dictionary())
    assert query.english and not any(t.startswith("boit") for t in query.terms)


def test_a_translation_apertium_gives_both_ways_comes_first():
    """Apertium through Spanish gives "collapse" as « bloquer » one way (colapsar) and
    « effondrement » the other (« effondrement » → derrumbamiento → "collapse"): the sense
    both give comes first."""
    eng_fra = {"collapse": ["effondrement"]}
    forward = {"collapse": ["bloquer", "effondrement"]}
    back = {"collapse": ["effondrement", "écrouler"]}
    assert merge(eng_fra, invert({}), [forward, back])["collapse"][0] == "effondrement"
    assert shipped_dictionary().translate("collapse")[0] == "effondrement"


def test_an_english_modal_does_not_weigh_as_a_rare_word():
    # "could", which no dictionary translates, weighed as much as the question's rarest words:
    # no passage held a third of the question.
    question = "In what year could the car be bought?"
    assert "could" not in parse_query(question, shipped_dictionary()).terms
    quote = _quote(["La voiture a été mise en vente en 1980, après dix ans d'essais.",
                    "Le constructeur emploie aujourd'hui deux mille ouvriers dans son usine.",
                    "Les essais de la voiture ont été faits sur un circuit près de Moscou."],
                   question)
    assert "1980" in quote


@pytest.mark.parametrize("english, french", [
    ("How big are the flowers?", "Quelle taille font les fleurs ?"),
    ("How long was the trip?", "Quelle durée a eu le voyage ?"),
    ("In which year did the band split up?", "En quelle année le groupe s'est-il séparé ?"),
    ("Which country won the match?", "Quel pays a gagné le match ?"),
    ("What was the boy called?", "Comment s'appelait le garçon ?"),
    ("For what reason did he leave?", "Pour quelle raison est-il parti ?"),
])
def test_an_english_question_wants_the_kind_of_answer_its_french_wants(english, french):
    assert wanted_pattern(french) is not None
    assert wanted_pattern(english) is wanted_pattern(french)


def test_how_big_finds_the_size():
    quote = _quote(["Les fleurs de la plante sont jaunes et regroupées au bout des tiges.",
                    "Les fleurs mesurent en moyenne 2 cm de diamètre.",
                    "Les fleurs attirent les abeilles au printemps."],
                   "How big are the flowers of the plant on average?")
    assert "2 cm" in quote


def test_an_english_name_finds_its_french_spelling():
    # English writes the Russian city "Ulyanovsk", French « Oulianovsk »; the Latin "Utica",
    # « Utique ».
    quote = _quote(["L'usine a été construite à Oulianovsk, une ville sur la Volga.",
                    "Le site de Togliatti avait d'abord été choisi par le ministère.",
                    "La ville de Samara compte plus d'un million d'habitants."],
                   "Where is Ulyanovsk?")
    assert "Volga" in quote
    quote = _quote(["Utique fut fondée par les Phéniciens en 1100 av. J.-C.",
                    "Carthage fut fondée vers 814 av. J.-C.",
                    "Les cités phéniciennes commerçaient dans toute la Méditerranée."],
                   "When was the city of Utica founded?")
    assert "1100" in quote


def test_a_superlative_gets_its_comparatives_french():
    # French says "best" as "better" (« le meilleur »); "largest" is "large" (« le plus grand »).
    dictionary = shipped_dictionary()
    assert dictionary.translate("best")[0] == "meilleur"
    assert dictionary.translate("largest") == dictionary.translate("large")
    quote = _quote(["Dès le début de la séance, l'équipe Racing prend le meilleur temps.",
                    "Le temps était couvert et la piste humide pendant toute la course.",
                    "L'équipe Sport a terminé la course à la troisième place."],
                   "Which team set the best time?")
    assert "meilleur temps" in quote


def test_an_english_passive_finds_the_participle_of_a_verb_not_in_er():
    # « défendre » is stemmed "defendr", « défendu » "defendu": the participle is searched too.
    assert "défendu" in shipped_dictionary().participles("défendre")
    quote = _quote(["L'avocat Jean Roche plaide le plus souvent devant la cour de Lyon.",
                    "Paul Martin a été défendu par Jean Roche lors de son procès en 2019.",
                    "Jean Roche aime défendre les accusés : c'est son métier depuis vingt ans."],
                   "Who was defended by Jean Roche at the trial?")
    assert "Paul Martin" in quote


def test_a_phrase_is_found_from_its_inflected_first_word():
    dictionary = shipped_dictionary()
    assert dictionary.translate("gives up") == dictionary.translate("give up")


def _answer(paragraphs: list[str], question: str) -> str:
    """The first quote the engine answers with on one article, "" when it is not sure."""
    text = "\n\n".join(["L'article", *paragraphs])
    answer = AnswerEngine([parse_txt("article", text)]).answer(question)
    return answer.excerpts[0].text if answer.excerpts else ""


def test_an_english_word_finds_the_plural_its_french_stem_misses():
    # "eyes" is « œil », stemmed "oeil"; « yeux » is another term, and so is « première »
    # (stemmed "premier") for "first", « premier » (stemmed "premi").
    assert "yeux" in shipped_dictionary().inflections("oeil")
    assert "première" in shipped_dictionary().inflections("premier")
    paragraphs = ["La ville compte douze mille habitants et un marché couvert.",
                  "Sa sœur a les yeux bleus, et elle porte des lunettes depuis 1990.",
                  "Le port accueille des bateaux de pêche depuis le XVIIe siècle."]
    assert "bleus" in _answer(paragraphs, "What colour are his sister's eyes?")


def test_a_learned_word_no_dictionary_gives_is_read_as_french_ends_it():
    # No dictionary gives "surrealist": « surréaliste » (stemmed "surreal") is its French form,
    # too far from "surrealist" for the speller.
    quote = _quote(["La ville compte douze mille habitants et un marché couvert.",
                    "Le peintre surréaliste Paul Dumont y a vécu de 1930 à 1950.",
                    "Le port accueille des bateaux de pêche depuis le XVIIe siècle."],
                   "Which surrealist lived there?")
    assert "Paul Dumont" in quote


def test_an_english_comparative_gets_its_adjectives_translations():
    # No dictionary lists "higher": it is "high", « élevé », which French says « plus élevé ».
    assert shipped_dictionary().translate("higher") == shipped_dictionary().translate("high")
    quote = _quote(["Le risque de cancer est le même pour les deux souches de rats, selon "
                    "l'étude.",
                    "Le risque de cancer est plus élevé chez les rats nourris au sucre.",
                    "L'étude a duré deux ans et porté sur trois cents rats."],
                   "Which rats have a higher risk of cancer?")
    assert "nourris au sucre" in quote


def test_an_english_preposition_whose_french_is_a_stop_word_is_not_searched():
    # "over" is « sur » here, a stop word; translated, it was « au-dessus », and the quote that
    # held it came first.
    quote = _quote(["La route passe au-dessus du sentier, sur une distance de dix kilomètres.",
                    "Le sentier s'étend sur trois kilomètres le long de la rivière."],
                   "Over what distance does the path extend?")
    assert "rivière" in quote


def test_an_english_ordinal_in_figures_finds_the_french_way_of_writing_it():
    # "20th" is « XXe » in a century and « 5e » elsewhere; as typed it matched nothing. Not
    # « 20e », which the analyzer reads as "20", held by every « 20 mars ».
    assert french_ordinals("20th") == ["xxe"]
    paragraphs = ["Mihály Munkácsy est le plus célèbre peintre hongrois du XIXe siècle.",
                  "Victor Vasarely est le plus célèbre peintre hongrois du XXe siècle.",
                  "Le musée a ouvert ses portes en 1906 et compte douze salles."]
    assert "Vasarely" in _quote(paragraphs, "Who is the most famous painter of the 20th century?")
    quote = _quote(["La mairie du 3e arrondissement se trouve rue Eugène-Spuller.",
                    "La mairie du 5e arrondissement se trouve place du Panthéon.",
                    "Paris compte vingt arrondissements et autant de mairies."],
                   "Where is the town hall of the 5th district?")
    assert "Panthéon" in quote


def test_an_english_ordinal_the_dictionaries_lack_is_its_cardinals_french_made_ordinal():
    # FreeDict and Apertium give "four" and "fourth" but "six" alone: "sixth" is « sixième ».
    assert shipped_dictionary().translate("sixth") == ("sixième",)
    assert shipped_dictionary().translate("eightieth") == ("quatre-vingtième",)
    quote = _quote(["La cinquième symphonie de Tchaïkovski a été créée en 1888.",
                    "La sixième symphonie, dite Pathétique, a été créée en 1893 à Saint-Pétersbourg.",
                    "Le compositeur a aussi écrit trois ballets, dont Le Lac des cygnes."],
                   "When was the sixth symphony first performed?")
    assert "1893" in quote


def test_an_english_word_a_source_misspells_is_read_as_the_word_meant():
    # FreeDict's « ménage » gives "houshold": turned round, "household" never met « ménage ».
    assert invert({"ménage": ["houshold"]}) == {"household": {"ménage": 0}}
    assert mended("reconcilliation") == "reconciliation"
    assert mended("splender") == "splender"  # not "slender": a letter dropped is not mended
    assert shipped_dictionary().translate("household")[0] == "ménage"
    quote = _quote(["La maison de retraite accueille quarante résidents depuis 2012.",
                    "Trois ménages sur quatre possèdent une voiture dans la commune.",
                    "La commune compte deux écoles et une maison de santé."],
                   "How many households own a car?")
    assert "Trois" in quote


def test_an_english_phrasal_verb_gets_apertiums_translation():
    # Apertium knows a verb of several words by its first word's mark ("turn# out"): asked
    # "turn out", it found none, and "turn" and "out" were searched apart.
    assert shipped_dictionary().translate("turned out") == ("résulter",)
    quote = _quote(["Le tournoi a lieu chaque année au mois de mai à Lyon.",
                    "De cette rencontre a résulté un accord entre les deux clubs.",
                    "Le club a tourné une page en changeant d'entraîneur."],
                   "What turned out of the meeting?")
    assert "accord" in quote


def test_an_english_words_senses_count_once_in_a_passages_score():
    """"survey" is « enquête » or « sondage »: a passage holding both no longer outranks one
    holding « enquête » and « ville », the question's two words. A word's senses are
    alternatives for it, counted once in a passage's score (the best one's and a share of the
    others'); summed, the passage that said "survey" twice came first."""
    articles = [parse_txt("velos", "Les vélos\n\nUne enquête et un sondage ont porté sur les "
                                   "vélos électriques.\n"),
                parse_txt("pistes", "Les pistes\n\nL'enquête de la ville porte sur les pistes "
                                    "cyclables.\n")]
    articles += [parse_txt(f"autre{n}", f"Nouvelles {n}\n\nLa ville a inauguré un marché couvert.\n"
                           if n < 3 else f"Nouvelles {n}\n\nLe musée a rouvert ses portes.\n")
                 for n in range(16)]
    read = AnswerEngine(articles)._read("What was the survey of the town about?")
    assert read is not None
    assert [hit.passage.document.id for hit in read[0][:2]] == ["pistes", "velos"]
