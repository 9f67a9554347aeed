"""Themes: the words and phrases that come back most in the "why" answers of a category, so the
most common complaints can be fixed first. French and English stop words are left out."""

from __future__ import annotations

import re
from collections import Counter

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren as at be because been before being below
    between both but by can cannot could couldn did didn do does doesn doing don down during each even ever every
    few for from further get got had hadn has hasn have haven having he her here hers herself him himself his how
    i if in into is isn it its itself just let ll me more most much must mustn my myself no nor not now of off on
    once only or other ought our ours ourselves out over own really re same shan she should shouldn so some such
    than that the their theirs them themselves then there these they this those through to too under until up us
    ve very was wasn we were weren what when where which while who whom why will with won would wouldn you your
    yours yourself yourselves one thing things lot lots bit pretty quite maybe still yet already ok okay
    au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la le les leur leurs lui ma mais me
    meme même mes moi mon ne nos notre nous on ou où par pas plus pour qu que qui sa se ses son sur ta te tes toi
    ton tu un une vos votre vous c d j l m n s t y été étée étés être avoir ai as avons avez ont était étaient fait
    faire est sont suis es sommes êtes ça cela ceci tout tous toute toutes très trop bien aussi alors donc car si
    comme peu plus moins encore déjà vraiment chose choses
    """.split()
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


def words(text: str) -> list[str]:
    tokens = []
    for token in _WORD.findall(text.lower()):
        # French elisions: l'équipe → équipe, qu'il → il
        token = re.sub(r"^[a-z]['’]", "", token)
        if len(token) > 2 and token not in STOP_WORDS:
            tokens.append(token)
    return tokens


def top_themes(answers: list[str], limit: int = 12) -> list[tuple[str, int]]:
    """The most frequent two-word phrases and words, each counted once per answer."""
    counts: Counter[str] = Counter()
    for answer in answers:
        tokens = words(answer)
        seen = set(tokens) | {f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)}
        counts.update(seen)
    # A phrase says more than its words: a word that only ever comes inside one of the listed
    # phrases adds nothing, and phrases rank first at equal counts.
    phrases = {theme: n for theme, n in counts.items() if " " in theme and n > 1}
    covered = {word for phrase, n in phrases.items() for word in phrase.split() if counts[word] == n}
    ranked = sorted(counts.items(), key=lambda item: (-item[1], -item[0].count(" "), item[0]))
    return [(theme, n) for theme, n in ranked if n > 1 and theme not in covered][:limit]
