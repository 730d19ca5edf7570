"""'Herhaaldelijk genoemd' names topics, not the words around them (issue 11)."""

from facilitator.live.topics import recurring_topics, stop_words


def terms(result: dict) -> set[str]:
    return {t["term"] for t in result["across"]} | {t["term"] for t in result["within"]}


def test_function_words_numbers_and_ordinals_are_no_topic():
    result = recurring_topics(
        {
            1: ["Sinds de vierde industriële revolutie wonen jongeren langer thuis, tijdens de crisis"],
            2: ["Tijdens de vierde ronde: sinds 2010 minder wonen; de industriële revolutie"],
            3: ["Twintigste eeuw, vijfentwintig jaar, eenentwintigste eeuw; omdat wonen duur is"],
        }
    )
    found = terms(result)
    assert {"wonen", "industriële revolutie", "eeuw"} <= found
    for word in (
        "sinds",
        "vierde",
        "tijdens",
        "twintigste",
        "vijfentwintig",
        "eenentwintigste",
        "omdat",
        "minder",
    ):
        assert not any(word in term.split() for term in found), (word, found)


def test_ordinals_and_numbers_are_generated_not_guessed():
    words = stop_words()
    for word in (
        "eerste",
        "derde",
        "vierde",
        "tiende",
        "twaalfde",
        "negentiende",
        "twintigste",
        "honderdste",
    ):
        assert word in words
    for topic in ("veiligheid", "welvaart", "wonen", "onderwijs", "vierkant", "derdewereld"):
        assert topic not in words
