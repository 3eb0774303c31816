"""``--format json`` text: render.to_json writes exactly what json.dumps(indent=2) wrote,
except that NaN and infinities are null (bare NaN is not JSON)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from orcaops.core.render import finite, jsonable, to_json

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
                    st.decimals(allow_nan=False), st.datetimes())
keys = st.one_of(st.text(), st.integers(), st.floats(), st.booleans(), st.none())
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.tuples(inner, inner),
                            st.dictionaries(keys, inner, max_size=5)),
    max_leaves=40)


def _reference(data: object) -> str:
    return json.dumps(finite(jsonable(data)), indent=2, default=str, ensure_ascii=False)


@settings(max_examples=500, deadline=None)
@given(documents)
def test_same_text_as_json_dumps(doc):
    assert to_json(doc) == _reference(doc)


def test_special_values_and_types():
    class Label(str):
        pass

    class Count(int):
        pass

    doc = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), 1.5: [True],
           None: (), "empty": {}, "label": Label("x\n\"y\""), "count": Count(3),
           "when": datetime(2026, 11, 20, tzinfo=timezone.utc), "cost": Decimal("0.10"),
           "nested": {"a": [{"b": []}, "ü✓\u2028"]}, False: 0, 7: -0.0}
    assert to_json(doc) == _reference(doc)
    assert to_json([]) == "[]" and to_json("x") == '"x"' and to_json(None) == "null"


def test_unusable_key_is_a_type_error_as_in_json():
    for encode in (to_json, _reference):
        try:
            encode({(1, 2): 3})
        except TypeError as e:
            assert "keys must be str, int, float, bool or None, not tuple" in str(e)
        else:
            raise AssertionError("no TypeError")
