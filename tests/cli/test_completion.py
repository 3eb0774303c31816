"""runs search -i: completion of fields and known values, history, errors at the caret."""

from __future__ import annotations

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.validation import ValidationError

from orcaops.cli.completion import QueryCompleter, QueryValidator, prompt_reader
from orcaops.query.refine import refine

VALUES = {"status": ["failed", "success"], "image": ["python:3.11", "python:3.12", "node:20"],
          "tag": ["ci", "nightly build"]}


def complete(text: str) -> list[str]:
    found = QueryCompleter(VALUES).get_completions(Document(text), CompleteEvent())
    return [c.text for c in found]


def test_field_names_complete_with_their_colon():
    assert complete("stat") == ["status:"]
    assert "meta." in complete("me")
    assert complete("status:failed dur") == ["duration:"]


def test_values_come_from_the_warehouse_or_the_fields_choices():
    assert complete("image:py") == ["python:3.11", "python:3.12"]
    assert complete("status:failed -image:no") == ["node:20"]
    assert complete("tag:") == ["ci", '"nightly build"']
    assert complete("level:E") == ["ERROR"]
    assert complete("is:fl") == ["flaky"]


def test_bad_query_is_refused_with_the_cursor_at_the_problem():
    validator = QueryValidator(lambda line: refine("status:failed", line))
    validator.validate(Document("+image:python*"))
    with pytest.raises(ValidationError) as err:
        validator.validate(Document("+duration:>"))
    assert err.value.cursor_position == len("+duration:>")
    assert "Unexpected end of query" in err.value.message
    with pytest.raises(ValidationError) as err:
        validator.validate(Document("stauts:failed"))
    assert err.value.cursor_position == 0 and "did you mean status?" in err.value.message


def test_a_real_prompt_session_keeps_history(tmp_path):
    history = tmp_path / "history"
    with create_pipe_input() as pipe:
        from prompt_toolkit.application import create_app_session

        with create_app_session(input=pipe, output=DummyOutput()):
            read = prompt_reader(VALUES, str(history), lambda: "")
            pipe.send_text("duration:>\r")  # refused: stays in the prompt
            pipe.send_text("\x7f" * 11 + "status:failed\r")
            assert read("search> ") == "status:failed"
    assert "status:failed" in history.read_text() and "duration:>" not in history.read_text()
