"""Log templates: variable masking (vectorised) and online template mining (Drain-style).

Two steps, because they cost differently. Masking replaces what is obviously variable —
any token holding a digit (numbers, ids, hex, IPs, versions, durations, sizes) and paths/URLs —
with ``<*>``; it runs in Rust over the whole column. Mining then runs once per *distinct*
masked message (typically a small fraction of the lines) and merges messages that differ in a
few remaining words (host names, user names) the way Drain does: same token count and first
tokens, then token-wise similarity at or above a threshold, differing positions become ``<*>``.

A template's id is a hash of its text, so the same template has the same id in every run and
process. Fingerprints use only the deterministic masking (:func:`mask_text`), never mining,
whose merges depend on what else a run printed.
"""

from __future__ import annotations

import hashlib
import re

import polars as pl

from orcaops.logs.rx import ascii_rx

WILDCARD = "<*>"
_TOK = r"[^\s\"'()\[\]{}<>,;=|]"
_TOK_NC = r"[^\s\"'()\[\]{}<>,;=:|]"
# Order matters: whole paths and URLs first (they may contain digits and colons), then any
# token with a digit, then runs of wildcards so lists of any length give one template.
MASKS: tuple[tuple[str, str], ...] = (
    # One pass, alternatives tried in order at each position: paths/URLs before digit tokens.
    (rf"{_TOK}*/{_TOK}*/{_TOK}*|[a-zA-Z][\w+.\-]*://{_TOK}+|[A-Za-z]:\\{_TOK}+"
     rf"|{_TOK_NC}*[0-9]{_TOK_NC}*", WILDCARD),
    (r"<\*>(?:[\s,:;.\-/]*<\*>)+", WILDCARD),
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
    # Cached: the same templates recur in run after run, and hashing was ~5% of an import.
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
    ids = [template_id(t) for t in texts]
    idx = [slot[key] for key in keys]
    return [texts[i] for i in idx], [ids[i] for i in idx]
