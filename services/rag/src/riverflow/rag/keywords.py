"""Keywords of a chunk for Dify's economy (keyword) index: its most frequent non-stopword words."""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["ENGLISH_STOPWORDS", "extract_keywords"]

# The classic English stopword list (as in NLTK/Lucene), lower-case.
ENGLISH_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves""".split()
)

_WORD = re.compile(r"[^\W\d_][\w-]*", re.UNICODE)


def extract_keywords(text: str, limit: int = 10) -> list[str]:
    words = [
        w
        for w in (m.group(0).lower() for m in _WORD.finditer(text))
        if len(w) > 1 and w not in ENGLISH_STOPWORDS
    ]
    return [w for w, _ in Counter(words).most_common(limit)]
