"""Themes nobody has named yet, proposed from the comments no theme covers.

`vocloop themes discover` hands the uncovered comments to `discover`, which returns
groups of comments that share vocabulary, largest first, each with its most telling
terms, up to five phrases fit to become the theme's rule, and five typical examples.
The quality manager accepts a proposal (naming it), merges it into a theme, or
dismisses it.

Method. Each comment becomes TF-IDF weights (sublinear in repetition) over its
content words, stemmed, with stop words and generic words such as "terrible" or
"service" left out, and over pairs of nearby content words ("parking … depot"). A
word fewer than `min_size` comments use is left out too: it cannot be what a group
of `min_size` has in common, and rare words only chain unrelated comments together.
Comments are then grouped by average-linkage agglomerative clustering on cosine
similarity, cut where the average similarity between two groups falls below
COHERENT_FROM. That cut is the coherence criterion: two members of a proposal share,
on average, that much vocabulary, so a "miscellaneous" group cannot form, and a
comment like no other stays alone instead of being forced into some cluster. A group
is proposed if it has `min_size` comments and at least one phrase mostly its own.

"Its own" counts the comments a theme already covers too (`covered`, a sample of
them with the weight that stands for the rest): a phrase becomes a theme's rule and
then applies to every comment, so a word that members share with hundreds of
comments about other themes ("question", "answered") would tag those too.

Tried and rejected: k-means with k chosen by silhouette. On feedback the silhouette
keeps rising with k, because every common wording of a topic is a tighter cluster
than the topic, so it split each topic into its wordings; and k-means puts every
unrelated comment into some cluster, which then needs cleaning.

Average linkage needs all pairwise similarities, so with many comments it runs on
a sample of FIT_SAMPLE distinct comments (enough to hold ~10 members of a topic that
is 0.25 % of the comments); every other comment then joins the group whose members
it resembles on average by at least COHERENT_FROM, the same criterion. Identical
comments (after stemming) are clustered once and counted as many times as written,
so a comment pasted fifty times cannot pull others into its group.

Known limit: similarity is by shared words, so long comments (many words) must share
more of them to group, and a topic worded with no words in common is not found.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer

from vocloop.text.tokens import STOP_WORDS, stem, words
from vocloop.text.vocabulary import GENERIC_WORDS, IN_PASSING, NEGATORS, is_redaction


@dataclass(frozen=True)
class Proposal:
    terms: tuple[str, ...]  # the most telling words and word pairs, best first
    phrases: tuple[str, ...]  # for the theme's rule: common inside, rare outside
    examples: tuple[Hashable, ...]  # keys of the most typical comments, most typical first
    members: tuple[Hashable, ...]  # keys of every comment in the group
    size: int


# Two members of a proposal have, on average, at least this cosine similarity. Two
# comments sharing one telling word among ~8 weighted features sit near 0.1–0.2;
# unrelated comments near 0.
COHERENT_FROM = 0.1
FIT_SAMPLE = 4000
BLOCK = 1000  # rows multiplied at a time, to bound memory
# Content words at most this many words apart make a pair: "parking at the depot".
PAIR_REACH = 3
MAX_TERMS = 8
MAX_PHRASES = 5
MAX_PHRASE_WORDS = 3
EXAMPLES = 5
# Examples show different wordings: one this similar to an earlier example comes later.
SAME_WORDING = 0.8
EXAMPLE_SCAN = 200
# A phrase must catch the group's comments more than any others: at least this
# share of the comments it matches are members.
PHRASE_PRECISION = 0.5
# A phrase beyond those the rule needs is offered if this share of members use it.
COMMON_INSIDE = 0.2

_SENTENCE_END = re.compile(r"[.!?;:]+(?:\s|$)|\n+")
# "again" matters to whether two comments say the same thing, not to what about.
_SKIP = STOP_WORDS | GENERIC_WORDS | NEGATORS | IN_PASSING | {"again"}


def _content(tokens: list[str]) -> list[tuple[int, str]]:
    """(position, stem) of each word that can say what a comment is about."""
    return [
        (i, stem(w))
        for i, w in enumerate(tokens)
        if len(w) > 2
        and w not in _SKIP
        and "'" not in w
        and not any(c.isdigit() for c in w)
        and not is_redaction(w)
    ]


def _sentences(text: str) -> list[list[str]]:
    """The words of each sentence: a pair of words is never made across two."""
    return [tokens for part in _SENTENCE_END.split(text) if (tokens := words(part))]


def _features(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for tokens in _sentences(text):
        content = _content(tokens)
        found += [s for _, s in content]
        found += [
            f"{a} {b}"
            for (i, a), (j, b) in itertools.pairwise(content)
            if j - i <= PAIR_REACH and a != b
        ]
    return tuple(sorted(found))


def _as_given(features: tuple[str, ...]) -> tuple[str, ...]:
    return features


def discover(
    comments: Sequence[tuple[Hashable, str]],
    *,
    max_proposals: int = 8,
    min_size: int = 5,
    seed: int = 0,
    covered: Sequence[str] = (),
    covered_weight: float = 1.0,
) -> list[Proposal]:
    """Groups of comments sharing vocabulary, as proposed themes, largest first.

    `covered`: comments a theme already covers (or a sample, each standing for
    `covered_weight` of them), counted against a phrase they use as well.
    """
    if len(comments) < 2 * min_size or max_proposals <= 0:
        return []
    # Identical comments (after stemming) are one row, weighted by how many wrote it.
    rows: dict[tuple[str, ...], list[int]] = {}
    for i, (_, text) in enumerate(comments):
        rows.setdefault(_features(text), []).append(i)
    rows.pop((), None)
    if len(rows) < 2:
        return []
    features = list(rows)
    who = list(rows.values())
    weight = np.array([len(w) for w in who], dtype=np.float64)

    vectorizer = TfidfVectorizer(
        analyzer=_as_given,
        min_df=max(2, min_size),
        sublinear_tf=True,
        dtype=np.float32,
    )
    try:
        # Fitted on every comment, repeats included, so that document frequencies (and
        # min_df) count comments; each distinct comment is then one row.
        vectorizer.fit([f for f, w in zip(features, who, strict=True) for _ in w])
    except ValueError:  # no word occurs in min_df comments
        return []
    x = vectorizer.transform(features).tocsr()
    labels = _cluster(x, weight, np.random.default_rng(seed))
    present = sparse.csc_matrix((x > 0).astype(np.float64))
    vocabulary = vectorizer.get_feature_names_out()
    elsewhere = np.zeros(len(vocabulary))
    if covered:
        used = vectorizer.transform([_features(t) for t in covered]) > 0
        elsewhere = covered_weight * np.asarray(used.sum(axis=0), dtype=np.float64).ravel()

    grouped = labels >= 0
    sizes = np.bincount(labels[grouped], weights=weight[grouped])
    proposals: list[Proposal] = []
    for group in np.argsort(-sizes, kind="stable"):
        if sizes[group] < min_size or len(proposals) == max_proposals:
            break
        proposal = _proposal(
            comments, who, weight, x, present, vocabulary, labels == group, elsewhere
        )
        if proposal is not None:
            proposals.append(proposal)
    return proposals


def _cluster(x: sparse.csr_matrix, weight: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A group number per row, −1 for rows like no other."""
    n = x.shape[0]
    candidates = np.flatnonzero(np.asarray(x.getnnz(axis=1)).ravel() > 0)
    if len(candidates) > FIT_SAMPLE:
        # Rows in the order their first comment would come up if comments were drawn
        # at random (the least of w uniform draws is 1 − U^(1/w)): a comment written
        # 200 times is as likely to be in the sample as 200 different comments.
        first = 1.0 - rng.random(len(candidates)) ** (1.0 / weight[candidates])
        fit = np.sort(candidates[np.argsort(first, kind="stable")[:FIT_SAMPLE]])
    else:
        fit = candidates
    labels = np.full(n, -1)
    if len(fit) == 0:
        return labels
    fitted = np.ones(1, dtype=int)
    if len(fit) > 1:
        tree = linkage(_distances(x[fit]), method="average")
        fitted = fcluster(tree, t=1.0 - COHERENT_FROM, criterion="distance")
    # A group needs two comments, if only one written twice.
    rows_in = np.bincount(fitted)
    weight_in = np.bincount(fitted, weights=weight[fit])
    groups = np.flatnonzero(weight_in >= 2)
    if not len(groups):
        return labels
    number = np.full(len(weight_in), -1)
    number[groups] = np.arange(len(groups))
    labels[fit] = number[fitted]
    rest = np.setdiff1d(candidates, fit)
    varied = [g for g in groups if rows_in[g] > 1]
    if len(rest) and varied:
        # The others join the group they resemble on average (the mean of its members'
        # unit vectors), if they resemble it as much as members resemble each other. A
        # group of one comment written alike has no "on average": none join it.
        means = sparse.vstack([sparse.csr_matrix(x[fit[fitted == g]].mean(axis=0)) for g in varied])
        means = means.T.tocsc()
        for start in range(0, len(rest), BLOCK):
            block = rest[start : start + BLOCK]
            scores = (x[block] @ means).toarray()
            best = scores.argmax(axis=1)
            close = scores[np.arange(len(block)), best] >= COHERENT_FROM
            labels[block[close]] = number[np.asarray(varied)[best[close]]]
    return labels


def _distances(x: sparse.csr_matrix) -> np.ndarray:
    """Condensed cosine distances between the rows (unit vectors), built in blocks."""
    n = x.shape[0]
    distance = np.empty((n, n), dtype=np.float32)
    for start in range(0, n, BLOCK):
        distance[start : start + BLOCK] = (x[start : start + BLOCK] @ x.T).toarray()
    np.subtract(1.0, distance, out=distance)
    np.clip(distance, 0.0, None, out=distance)
    np.fill_diagonal(distance, 0.0)
    condensed = squareform(distance, checks=False)
    del distance
    return condensed.astype(np.float64)


def _proposal(
    comments: Sequence[tuple[Hashable, str]],
    who: list[list[int]],
    weight: np.ndarray,
    x: sparse.csr_matrix,
    present: sparse.csc_matrix,
    vocabulary: np.ndarray,
    inside: np.ndarray,
    elsewhere: np.ndarray,
) -> Proposal | None:
    """The group as a proposal, or None if no phrase is telling enough to be its rule."""
    size = float(weight[inside].sum())
    counts = np.asarray(present.T @ (weight * inside)).ravel()
    total = np.asarray(present.T @ weight).ravel() + elsewhere
    recall = counts / size
    precision = np.divide(counts, np.maximum(total, 1.0))
    # Telling: used by many members (recall) and mostly by members (precision).
    telling = [
        f
        for f in np.argsort(-(recall * precision), kind="stable")
        if counts[f] >= 2 and precision[f] >= PHRASE_PRECISION
    ]
    if not telling:
        return None  # what members share is as common outside the group: no theme
    # The phrases that together catch the group best, then other common, telling ones:
    # each further phrase a comment matches makes the theme surer of it.
    rule = _rule(telling[: 4 * MAX_PHRASES], present, weight, inside)
    rule += [f for f in telling if recall[f] >= COMMON_INSIDE and f not in rule]

    rows = np.flatnonzero(inside)
    wanted = [vocabulary[f] for f in telling[: 4 * MAX_TERMS]] + [vocabulary[f] for f in rule]
    surfaces = _surfaces([comments[who[r][0]][1] for r in rows], set(wanted))
    terms = _distinct([surfaces.get(vocabulary[f], "") for f in telling[: 4 * MAX_TERMS]])
    phrases = _distinct([surfaces.get(vocabulary[f], "") for f in rule])

    # Most typical: closest to the members' mean, counting repeated comments as written.
    centre = np.asarray(x[rows].T @ weight[rows]).ravel()
    closeness = np.asarray(x[rows] @ centre).ravel()
    ranked = _varied(np.argsort(-closeness, kind="stable"), x[rows])
    members = sorted(i for r in rows for i in who[r])
    return Proposal(
        terms=tuple(terms[:MAX_TERMS]),
        phrases=tuple(phrases[:MAX_PHRASES]),
        examples=tuple(comments[i][0] for i in _fill([who[rows[r]][0] for r in ranked], members)),
        members=tuple(comments[i][0] for i in members),
        size=len(members),
    )


def _rule(
    candidates: list[int], present: sparse.csc_matrix, weight: np.ndarray, inside: np.ndarray
) -> list[int]:
    """Phrases chosen one by one while the rule they make catches the group better (F1)."""
    size = weight[inside].sum()
    columns = {f: present[:, f].toarray().ravel() > 0 for f in candidates}
    caught = np.zeros(len(weight), dtype=bool)
    chosen: list[int] = []
    best = 0.0
    while len(chosen) < MAX_PHRASES:
        step: tuple[float, int, np.ndarray] | None = None
        for f in candidates:
            if f in chosen:
                continue
            trial = caught | columns[f]
            f1 = 2 * weight[trial & inside].sum() / (weight[trial].sum() + size)
            if step is None or f1 > step[0]:
                step = (f1, f, trial)
        if step is None or step[0] < best + 0.01:
            break
        best, caught = step[0], step[2]
        chosen.append(step[1])
    return chosen


def _surfaces(texts: list[str], wanted: set[str]) -> dict[str, str]:
    """How members most often wrote each stem or pair: "parking at the depot"."""
    seen: dict[str, Counter[str]] = {f: Counter() for f in wanted}
    for tokens in (t for text in texts for t in _sentences(text)):
        content = _content(tokens)
        for i, s in content:
            if s in seen:
                seen[s][tokens[i]] += 1
        for (i, a), (j, b) in itertools.pairwise(content):
            pair = f"{a} {b}"
            if pair in seen and j - i <= PAIR_REACH:
                # The words between are kept only if a theme rule would ignore them.
                span = tokens[i : j + 1]
                if len(span) > MAX_PHRASE_WORDS or any(w not in STOP_WORDS for w in span[1:-1]):
                    span = [tokens[i], tokens[j]]
                seen[pair][" ".join(span)] += 1
    return {f: c.most_common(1)[0][0] for f, c in seen.items() if c}


def _distinct(texts: list[str]) -> list[str]:
    return [t for t in dict.fromkeys(texts) if t]


def _varied(order: np.ndarray, vectors: sparse.csr_matrix) -> list[int]:
    """Rows in order, but one worded almost like an earlier pick waits for the end."""
    picked: list[int] = []
    waiting: list[int] = []
    for r in order[:EXAMPLE_SCAN]:
        if len(picked) == EXAMPLES:
            break
        if picked and (vectors[picked] @ vectors[r].T).max() >= SAME_WORDING:
            waiting.append(int(r))
        else:
            picked.append(int(r))
    return picked + waiting + [int(r) for r in order[len(picked) + len(waiting) :]]


def _fill(ranked: list[int], members: list[int]) -> list[int]:
    """EXAMPLES comments, distinct texts first, then repeats if the group has few."""
    chosen = ranked[:EXAMPLES]
    if len(chosen) < EXAMPLES:
        chosen += [i for i in members if i not in chosen][: EXAMPLES - len(chosen)]
    return chosen
