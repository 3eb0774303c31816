"""``--format json`` text: render.to_json (orjson) writes what json.dumps(indent=2) wrote —
the same values, laid out the same way — except that NaN and infinities are null (bare NaN
is not JSON). Numbers may be spelt differently (orjson writes 1e16 where json writes 1e+16)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from orcaops.core.render import finite, jsonable, to_json

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
                    st.decimals(allow_nan=False), st.datetimes())
# A float key is spelt as orjson writes the number ("5.9e-8", json.dumps: "5.9e-08"; NaN and
# infinities "null"): no output of OrcaOps has float keys.
keys = st.one_of(st.text(), st.integers(), st.booleans(), st.none())
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.tuples(inner, inner),
                            st.dictionaries(keys, inner, max_size=5)),
    max_leaves=40)


def _reference(data: object) -> str:
    return json.dumps(finite(jsonable(data)), indent=2, default=str, ensure_ascii=False)


@settings(max_examples=500, deadline=None)
@given(documents)
def test_same_values_as_json_dumps(doc):
    assert json.loads(to_json(doc)) == json.loads(_reference(doc))


def test_special_values_and_types():
    class Label(str):
        pass

    class Count(int):
        pass

    doc = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), 1.5: [True],
           None: (), "empty": {}, "label": Label("x\n\"y\""), "count": Count(3),
           "when": datetime(2026, 11, 20, tzinfo=timezone.utc), "cost": Decimal("0.10"),
           "nested": {"a": [{"b": []}, "ü✓\u2028"]}, False: 0, 7: -0.0}
    assert json.loads(to_json(doc)) == json.loads(_reference(doc))
    assert to_json([]) == "[]" and to_json("x") == '"x"' and to_json(None) == "null"


def test_same_text_as_json_dumps_without_floats():
    """The layout: indentation, separators, key order, escapes, empty containers."""
    doc = {"runs": [{"job_id": "r-1", "tags": ["ci", "ü✓\u2028"], "n": 3, "ok": True,
                     "none": None, "meta": {}, "list": [], "when": datetime(2026, 11, 20)}],
           "total": 1, 2: "two", None: [[], {}], "big": 2**70}
    assert to_json(doc) == _reference(doc)


def test_unusable_key_is_a_type_error_as_in_json():
    for encode in (to_json, _reference):
        try:
            encode({(1, 2): 3})
        except TypeError as e:
            assert "keys must be str, int, float, bool or None, not tuple" in str(e)
        else:
            raise AssertionError("no TypeError")
