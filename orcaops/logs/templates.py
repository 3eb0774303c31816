"""Log templates: variable masking (vectorised) and online template mining (Drain-style).

Two steps, because they cost differently. Masking replaces what is obviously variable —
any token holding a digit (numbers, ids, hex, IPs, versions, durations, sizes with their
unit), written dates and paths/URLs — with ``<*>``; it runs in Rust over the whole column.
Mining then runs once per *distinct* masked message (typically a small fraction of the lines)
and merges messages that differ in a few remaining words (host names, user names) the way
Drain does: same token count and first tokens, then token-wise similarity at or above a
threshold, differing positions become ``<*>``. Brain's downward split follows: a merged
column of a few recurring words is constants of several templates (:func:`split_constants`).

A template's id is a hash of its text, so the same template has the same id in every run and
process. Fingerprints use only the deterministic masking (:func:`mask_text`), never mining,
whose merges depend on what else a run printed.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

import polars as pl

from orcaops.logs.rx import ascii_rx

WILDCARD = "<*>"
_TOK = r"[^\s\"'()\[\]{}<>,;=|]"
_TOK_NC = r"[^\s\"'()\[\]{}<>,;=:|]"
# A written date ("Sat Jul  9 22:53:19 2005", "Jun 14 15:16:01"): its words vary with it.
_DATE = (r"(?:\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? +)?\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug"
         r"|Sep|Oct|Nov|Dec)[a-z]*\.? +[0-9]{1,2}(?:,? +[0-9]{4})?(?: +[0-9]{1,2}:[0-9]{2}"
         r"(?::[0-9]{2})?(?:[.,][0-9]+)?)?(?: +[0-9]{4}\b)?")
# A unit after a number is part of the value ("16.0 KB" and "2.1 MB" are one variable).
_UNIT = r" ?(?:[KMGTP]i?B|B|bytes|ms|us|ns|s|secs?|seconds?|mins?|minutes?|hours?)\b"
MASKS: tuple[tuple[str, str], ...] = (
    # One pass, alternatives tried in order at each position: dates, then paths/URLs, then
    # digit tokens (paths and URLs may contain digits and colons).
    (rf"{_DATE}|{_TOK}*/{_TOK}*/{_TOK}*|[a-zA-Z][\w+.\-]*://{_TOK}+|[A-Za-z]:\\{_TOK}+"
     rf"|{_TOK_NC}*[0-9]{_TOK_NC}*", WILDCARD),
    # Runs of wildcards, so lists of any length give one template.
    (rf"<\*>(?:[\s,:;.\-/]*<\*>|{_UNIT})+", WILDCARD),
)
_MASKS_PY = tuple((re.compile(rx), rep) for rx, rep in MASKS)
MAX_TEMPLATE_CHARS = 1000


def mask_expr(col: str) -> pl.Expr:
    """Vectorised masking of a string column (see module docstring)."""
    e = pl.col(col).str.slice(0, MAX_TEMPLATE_CHARS)
    for rx, rep in MASKS:
        e = e.str.replace_all(ascii_rx(rx), rep)
    return e.str.strip_chars()


def mask_text(text: str) -> str:
    """The masked form of one message (the pure-Python twin of :func:`mask_expr`)."""
    text = text[:MAX_TEMPLATE_CHARS]
    for rx, rep in _MASKS_PY:
        text = rx.sub(rep, text)
    return text.strip()


_IDS: dict[str, str] = {}


def template_id(template: str) -> str:
    """A stable 16-hex id of a template text."""
    # Cached: the same templates recur in run after run.
    got = _IDS.get(template)
    if got is None:
        if len(_IDS) > 100_000:
            _IDS.clear()
        got = _IDS[template] = hashlib.blake2b(template.encode("utf-8", "surrogatepass"),
                                               digest_size=8).hexdigest()
    return got


class TemplateMiner:
    """Online template mining over masked messages (Drain: fixed-depth prefix, similarity).

    Args:
        sim_threshold: Share of a template's constant tokens a message must match to join it.
        max_candidates: Templates compared per (length, prefix) bucket, most recent first;
            bounds the cost on adversarial input where nothing merges.
    """

    def __init__(self, sim_threshold: float = 0.5, max_candidates: int = 64) -> None:
        self.sim_threshold = sim_threshold
        self.max_candidates = max_candidates
        self.templates: list[list[str]] = []
        self._seen: dict[tuple[str, str], int] = {}
        self._buckets: dict[tuple[str, int, str, str], list[int]] = {}

    def add(self, masked: str, group: str = "") -> int:
        """Assign a masked message to a template.

        Args:
            masked: The masked message.
            group: Messages of different groups (levels) never share a template.

        Returns:
            The index of its template in :attr:`templates` (whose text may still generalise).
        """
        known = self._seen.get((group, masked))
        if known is not None:
            return known
        return self._insert(masked, group)

    def _insert(self, masked: str, group: str) -> int:
        """:meth:`add` for a (message, group) pair not seen before."""
        toks = masked.split()
        n = len(toks)
        key = (group, n, toks[0] if n else "", toks[1] if n > 1 else "")
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = []
        best = self._best(bucket, toks) if n > 2 and bucket else None
        if best is None:
            best = len(self.templates)
            self.templates.append(toks)
            bucket.append(best)
        else:
            tmpl = self.templates[best]
            if tmpl != toks:
                self.templates[best] = [a if a == b else WILDCARD for a, b in zip(tmpl, toks)]
        self._seen[(group, masked)] = best
        return best

    def _best(self, bucket: list[int], toks: list[str]) -> int | None:
        best, best_sim, best_par = None, -1.0, -1
        n = len(toks)
        for ci in reversed(bucket[-self.max_candidates:]):
            same = par = 0
            for a, b in zip(self.templates[ci], toks):
                if a == WILDCARD:
                    par += 1
                elif a == b:
                    same += 1
            sim = same / n
            if sim > best_sim or (sim == best_sim and par > best_par):
                best, best_sim, best_par = ci, sim, par
        return best if best_sim >= self.sim_threshold else None

    def template(self, index: int) -> str:
        """The current text of template ``index``."""
        return " ".join(self.templates[index])


# A merged column holding at most this many distinct words is a choice among constants
# (states, modes, interface names), not a variable: Brain's downward split.
FEW_VALUES = 3


def split_constants(texts: list[str], counts: list[int], template: str) -> list[str]:
    """Split one mined template whose merged columns hold only a few distinct words.

    Drain merges messages that differ in a few words, so ``from NEW to RUNNING`` and ``from
    RUNNING to DONE`` share a template. Brain's observation: a variable takes many values, a
    column where several templates differ takes few. A wildcard column whose messages hold at
    most :data:`FEW_VALUES` distinct tokens (masked parts aside), one of them on several
    lines, splits the template by them: a constant recurs, words seen once each (file names
    of one build) are still taken as a variable.

    Args:
        texts: The template's distinct messages (token-aligned: same token count).
        counts: Lines per message.
        template: Their mined template.

    Returns:
        The template of each message, in order.
    """
    toks = [t.split() for t in texts]
    columns = list(zip(*toks))
    cols = [p for p, tok in enumerate(template.split())
            if tok == WILDCARD and _is_choice(columns[p], counts)]
    if not cols:
        return [template] * len(texts)
    parts: dict[tuple[str, ...], list[list[str]]] = {}
    keys = [tuple(row[p].replace(WILDCARD, "") for p in cols) for row in toks]
    for key, row in zip(keys, toks):
        parts.setdefault(key, []).append(row)
    merged = {key: " ".join(col[0] if len(set(col)) == 1 else WILDCARD for col in zip(*rows))
              for key, rows in parts.items()}
    return [merged[key] for key in keys]


def _is_choice(column: tuple[str, ...], counts: list[int]) -> bool:
    """Whether a merged column's tokens are a few constants rather than one variable."""
    distinct = set(column)
    if sum(WILDCARD not in t for t in distinct) > FEW_VALUES:  # the common case, cheaply
        return False
    lines: dict[str, int] = {}
    plain: set[str] = set()
    masked: set[tuple[str, str]] = set()
    for tok, n in zip(column, counts):
        if WILDCARD in tok:
            # What a masked token says besides its variable: "by (uid=<*>)" and
            # "by LOGIN(uid=<*>)" are two constants.
            masked.add((tok[:tok.index(WILDCARD)], tok[tok.rindex(WILDCARD) + 3:]))
            tok = tok.replace(WILDCARD, "")
        else:
            plain.add(tok)
        lines[tok] = lines.get(tok, 0) + n
    if not 1 < len(lines) <= FEW_VALUES or sum(lines.values()) == len(lines):
        return False
    # A word that fits a masked token's frame is that variable unmasked ("rhost=<*>" and
    # "rhost=example.org"), and so is an empty one ("()" beside "(<*>)").
    return not any(v.startswith(a) and v.endswith(b) and len(v) >= len(a) + len(b)
                   for a, b in masked for v in plain)


def _split_all(texts: list[str], counts: list[int], owners: list[object], templates: list[str]
               ) -> list[str]:
    """:func:`split_constants` of each template (``owners`` tell templates of equal text apart).

    Args:
        texts: Distinct messages (tokens joined by one space).
        counts: Lines per message.
        owners: Per message, what identifies its template (its group and text).
        templates: Per message, its mined template.
    """
    members: dict[object, list[int]] = {}
    for i, owner in enumerate(owners):
        members.setdefault(owner, []).append(i)
    out = list(templates)
    for idx in members.values():
        tmpl = templates[idx[0]]
        if len(idx) < 2 or WILDCARD not in tmpl:
            continue
        # Counts matter only as "on one line" or not (see _is_choice): runs of a job repeat
        # the same templates and messages, so the split is cached on that (for templates of
        # a bounded number of messages: the key holds them all).
        key = (tmpl, tuple(texts[i] for i in idx), tuple(counts[i] > 1 for i in idx))
        got = _SPLITS.get(key)
        if got is None:
            got = split_constants(list(key[1]), [counts[i] for i in idx], tmpl)
            if len(idx) <= _SPLIT_CACHE_MESSAGES:
                if len(_SPLITS) > _CACHE_LIMIT // 10:
                    _SPLITS.clear()
                _SPLITS[key] = got
        for i, t in zip(idx, got):
            out[i] = t
    return out


def mine(masked: list[str], groups: list[str], sim_threshold: float = 0.5
         ) -> tuple[list[str], list[str]]:
    """Templates and template ids of one run's masked messages.

    Args:
        masked: Masked message per line.
        groups: Group per line (the level), see :meth:`TemplateMiner.add`.
        sim_threshold: See :class:`TemplateMiner`.

    Returns:
        ``(templates, template_ids)``, one per line, each line getting its template's final
        (most general) text.
    """
    miner = TemplateMiner(sim_threshold)
    # Distinct (message, group) pairs in first-seen order: mining is per distinct message,
    # and a dict built in C is cheaper than a Python call per line.
    keys = list(zip(masked, groups))
    insert = miner._insert  # the keys are distinct: skip add()'s seen-before lookup
    slot = {key: insert(*key) for key in dict.fromkeys(keys)}
    texts = [miner.template(i) for i in range(len(miner.templates))]
    lines = Counter(keys)
    distinct = list(slot)
    owners: list[object] = [(g, texts[slot[m, g]]) for m, g in distinct]
    final = dict(zip(distinct, _split_all([" ".join(m.split()) for m, _ in distinct],
                                          [lines[key] for key in distinct], owners,
                                          [texts[slot[key]] for key in distinct])))
    ids = {t: template_id(t) for t in set(final.values())}
    return [final[key] for key in keys], [ids[final[key]] for key in keys]


# Caches shared by the runs of a process; bounded (cleared when full). Results never depend
# on them: they only skip recomputing what a masked message or a mining step always gives.
_CACHE_LIMIT = 100_000
# masked message -> (bucket shape (token count, first two tokens) or None if <= 2 tokens,
# its own template text: the tokens joined by one space)
_SHAPES: dict[str, tuple[tuple[int, str, str] | None, str]] = {}
# (group, threshold, a bucket's templates, text) -> (the templates after adding it, its slot)
_STEPS: dict[tuple[str, float, tuple[str, ...], str], tuple[tuple[str, ...], int]] = {}
# (template, its distinct messages, whether each is on several lines) -> their split templates
_SPLITS: dict[tuple[str, tuple[str, ...], tuple[bool, ...]], list[str]] = {}
_SPLIT_CACHE_MESSAGES = 256


def clear_caches() -> None:
    """Forget the template caches (a fresh process's state)."""
    _IDS.clear()
    _SHAPES.clear()
    _STEPS.clear()
    _SPLITS.clear()


def _shape(masked: str) -> tuple[tuple[int, str, str] | None, str]:
    toks = masked.split()
    # Messages of 2 tokens or fewer are never merged (TemplateMiner._insert).
    got = ((len(toks), toks[0], toks[1]) if len(toks) > 2 else None, " ".join(toks))
    if len(_SHAPES) > _CACHE_LIMIT:
        _SHAPES.clear()
    _SHAPES[masked] = got
    return got


def _step(group: str, sim_threshold: float, state: tuple[str, ...], text: str
          ) -> tuple[tuple[str, ...], int]:
    """One :meth:`TemplateMiner._insert` into a bucket holding the templates ``state``."""
    key = (group, sim_threshold, state, text)
    got = _STEPS.get(key)
    if got is None:
        miner = TemplateMiner(sim_threshold)
        toks = text.split()
        miner.templates = [t.split() for t in state]
        miner._buckets[(group, len(toks), toks[0], toks[1])] = list(range(len(state)))
        slot = miner._insert(text, group)
        got = (tuple(" ".join(t) for t in miner.templates), slot)
        if len(_STEPS) > _CACHE_LIMIT:
            _STEPS.clear()
        _STEPS[key] = got
    return got


def _mine_bucket(group: str, texts: list[str], sim_threshold: float) -> list[str]:
    """The final template of each of a bucket's distinct messages (given in first-seen order).

    A bucket's state is its template texts in creation order, so one mining step is a
    function of (state, message), cached: runs of a job repeat the same steps.
    """
    state: tuple[str, ...] = ()
    slots = []
    for text in texts:
        state, slot = _step(group, sim_threshold, state, text)
        slots.append(slot)
    return [state[i] for i in slots]


def mine_many(masked: pl.Series, groups: list[str], starts: list[int],
              sim_threshold: float = 0.5) -> tuple[list[str], list[str]]:
    """:func:`mine` of every run of a batch (run ``k`` is lines ``starts[k]:starts[k+1]``).

    The same results, computed per distinct message of the batch where possible: a message
    only ever meets templates of its own bucket (run, group, token count, first two tokens),
    so a bucket's templates depend only on its own messages in first-seen order, and a bucket
    whose messages all have the same tokens (one message, or messages differing in spacing)
    gives each line its own text. Only buckets of different token sequences are mined, and
    only shapes with several texts in the batch can hold one.

    Args:
        masked: Masked message per line of all runs.
        groups: Group per line (the level).
        starts: Offsets of the runs (``starts[-1]`` is the number of lines).
        sim_threshold: See :class:`TemplateMiner`.

    Returns:
        ``(templates, template_ids)`` per line, as :func:`mine` gives per run.
    """
    shapes = _SHAPES
    info = {m: shapes.get(m) or _shape(m) for m in masked.unique().to_list()}
    texts_of: dict[tuple[int, str, str], set[str]] = {}
    for shape, text in info.values():
        if shape is not None:
            texts_of.setdefault(shape, set()).add(text)
    hot = {m for m, (shape, _) in info.items() if shape is not None and len(texts_of[shape]) > 1}
    values = masked.to_list()
    texts = [info[m][1] for m in values]
    if hot:
        _mine_mixed(values, groups, starts, texts, info,
                    [i for i, m in enumerate(values) if m in hot], sim_threshold)
    ids = {t: template_id(t) for t in set(texts)}
    return texts, [ids[t] for t in texts]


def _mine_mixed(values: list[str], groups: list[str], starts: list[int], texts: list[str],
                info: dict[str, tuple[tuple[int, str, str] | None, str]], rows: list[int],
                sim_threshold: float) -> None:
    """Mine the buckets among ``rows`` that hold different token sequences (``texts`` in place)."""
    buckets: dict[tuple[int, str, object], dict[str, list[int]]] = {}
    run = 0
    for i in rows:
        while starts[run + 1] <= i:
            run += 1
        m = values[i]
        buckets.setdefault((run, groups[i], info[m][0]), {}).setdefault(m, []).append(i)
    for (_, group, _), lines in buckets.items():
        distinct = [texts[idx[0]] for idx in lines.values()]
        if len(set(distinct)) < 2:
            continue
        mined = _mine_bucket(group, distinct, sim_threshold)
        counts = [len(idx) for idx in lines.values()]
        for idx, tmpl in zip(lines.values(), _split_all(distinct, counts, list(mined), mined)):
            for i in idx:
                texts[i] = tmpl
