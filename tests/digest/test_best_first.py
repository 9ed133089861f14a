"""Ranking a window best first gives the order of ranking every line and sorting, while ranking few lines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from digest.best_first import RECENCY, Weighed, WindowRanking
from digest.importance import INFORMATIVE_CAP, text_cues
from tests.digest.windows import END, START, msg

WORDS = ("deploy", "certificate", "checkout", "rollback", "schema", "billing", "latency", "vendor", "the", "is")
# Weights close together and a cap apart, so bounds tie with ranks and lines of different weights interleave.
WEIGHTS = (0.0, 1.0, 3.0, 3.0 + RECENCY, 3.0 - RECENCY, 5.0 - INFORMATIVE_CAP, 5.0, 5.0 + INFORMATIVE_CAP)

lines = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=14 * 60),
        # Rare words too, so some lines' informativeness reaches its cap.
        st.lists(st.sampled_from(WORDS) | st.from_regex(r"[a-z]{4,9}", fullmatch=True), min_size=1, max_size=20),
        st.sampled_from(WEIGHTS),
    ),
    max_size=60,
)


def ranking_and_lines(drawn: list[tuple[int, list[str], float]]) -> tuple[WindowRanking, list[Weighed]]:
    weighed = []
    for number, (minute, words, weight) in enumerate(drawn):
        line = msg(minute, f"U{number}", " ".join(words))
        # Distinct ts per line, as a channel's messages have, even within one minute.
        line = type(line)(**{**line.__dict__, "ts": f"{line.ts[:-6]}{number:06d}"})
        weighed.append(Weighed(line, line.ts, text_cues(line.text), weight))
    ranking = WindowRanking(start=START, end=END, stems=[each.cues.stems for each in weighed])
    return ranking, weighed


@given(drawn=lines, floor=st.sampled_from((-1e9, 3.0, 5.0)))
def test_best_first_yields_what_ranking_every_line_and_sorting_gives(
    drawn: list[tuple[int, list[str], float]], floor: float
) -> None:
    ranking, weighed = ranking_and_lines(drawn)

    assert list(ranking.best_first(weighed, floor)) == ranking.ranked_all(weighed, floor)


def test_a_lighter_line_that_recency_and_rare_words_lift_comes_first() -> None:
    rare = "quorum fencing etcd leader lease split brain tiebreaker witness arbiter raft heartbeat epoch term"
    drawn = [(0, ["deploy", "schema"], 5.0), (14 * 60 - 1, rare.split(), 3.0)]
    drawn += [(minute, ["deploy", "schema", "billing"], 0.0) for minute in range(1, 40)]
    ranking, weighed = ranking_and_lines(drawn)

    first = next(ranking.best_first(weighed, 3.0))

    # 3.0 + 2.0 for its words + 0.25 for being the latest beats 5.0 and a little for two common words.
    assert first.line.text == rare
    assert list(ranking.best_first(weighed, 3.0)) == ranking.ranked_all(weighed, 3.0)
