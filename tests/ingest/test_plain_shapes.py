"""The column-at-a-time readers of log entries and samples agree with the per-entry checks:
same values when they accept, and they hand anything else to the checks (which name the
entry that is wrong)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from orcaops.core.errors import InputError
from orcaops.ingest import records as R

STAMPS = st.sampled_from(["2026-11-01T10:00:00Z", "2026-11-01T10:00:00.5+02:00",
                          "2026-11-01 10:00:01", "not a time", "", None, 1_700_000_000,
                          1.5, True, [1]])
LINES = st.one_of(st.text(max_size=8), st.sampled_from(["a\nb", "x\r\ny"]), st.none(),
                  st.integers())
ENTRY = st.one_of(
    st.fixed_dictionaries({"line": LINES}, optional={
        "ts": STAMPS, "stream": st.sampled_from(["stdout", "stderr", "", None, "tty", 3]),
        "message": st.text(max_size=3)}),
    st.fixed_dictionaries({"message": LINES}),
    st.text(max_size=5), st.integers(), st.none())
NUMBERS = st.one_of(st.none(), st.integers(-2**70, 2**70), st.floats(allow_nan=True,
                    allow_infinity=True), st.booleans(), st.text(max_size=2),
                    st.sampled_from([1e308, -1e308]))
SAMPLE = st.one_of(
    st.fixed_dictionaries({"ts": STAMPS}, optional={
        name: NUMBERS for name in R.SAMPLE_FIELDS[1:]} | {"bogus": st.integers()}),
    st.fixed_dictionaries({}, optional={"cpu_percent": NUMBERS}),
    st.integers(), st.text(max_size=3))


def _outcome(read, raw):
    try:
        return read(raw)
    except InputError as e:
        return ("error", str(e))


@settings(max_examples=400, deadline=None)
@given(st.lists(ENTRY, max_size=6))
def test_plain_logs_agree_with_the_checks(raw):
    fast = _outcome(R._logs_plain, raw)
    if fast is not None:
        assert fast == _outcome(R._logs_checked, raw)
    assert _outcome(R._logs, raw) == _outcome(R._logs_checked, raw)


@settings(max_examples=400, deadline=None)
@given(st.lists(SAMPLE, max_size=5))
def test_plain_samples_agree_with_the_checks(raw):
    fast = _outcome(R._samples_plain, raw)
    checked = _outcome(R._samples_checked, raw)
    if fast is not None:
        assert fast == checked
    assert _outcome(R._samples, raw) == checked  # NaN never passes: equality is enough


def test_the_plain_shapes_take_the_fast_readers():
    logs = [{"ts": "2026-11-01T10:00:00Z", "stream": "stdout", "line": "a"},
            {"ts": "2026-11-01T10:00:00Z", "line": "b"}, {"line": "c"}]
    got = R._logs_plain(logs)
    assert got is not None and got[0] == ["a", "b", "c"] and got[1] == ["stdout"] * 3
    assert got[2][0] is got[2][1] and got[2][2] is None  # one timestamp parsed once
    samples = [{"ts": "2026-11-01T10:00:00Z", "cpu_percent": 5.0, "pids": 3},
               {"ts": "2026-11-01T10:00:01Z", "memory_mb": 1}]
    assert R._samples_plain(samples) == R._samples_checked(samples)


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
              st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=8)


def _json_module(raw):
    """What decode gave before orjson: the json module's reading, with its checks."""
    import json

    try:
        obj = json.loads(raw)
        if R._SURROGATE_ESCAPE.search(raw):
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        return obj
    except Exception:  # noqa: BLE001 - decode turns each of these into an InputError
        return "refused"


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from([b"", b"\n", b" x", b"\\ud800", b"}"]),
       st.booleans())
def test_decode_reads_lines_as_the_json_module_does(value, tail, ascii_only):
    """orjson decodes the usual line; whatever it reads differently (NaN, integers beyond
    64 bits, unpaired surrogate escapes, broken lines) goes to the json module."""
    import json

    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass") + tail
    try:
        got = R.decode(raw)
    except InputError:
        got = "refused"
    expected = _json_module(raw)
    assert repr(got) == repr(expected)
    assert [type(x) for x in _leaves(got)] == [type(x) for x in _leaves(expected)]


def _leaves(value):
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in (k, *_leaves(v))]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [value]
