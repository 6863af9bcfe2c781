"""Right / Wrong on AWS Lambda: the click is acked inside the budget; its lazy invocation
stores it and opens the correction modal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answer import default_answerer
from bot.store.feedback import open_feedback_store
from handlers.feedback_blocks import ACTION_FEEDBACK, feedback_value
from tests.slack.fakes import FakeSlack, action_body, sign

from .conftest import CHECK_CHANNEL
from .events import function_url
from .fake_lambda import FakeLambda
from .test_slack_handler import ACK_BUDGET, FORM, invoke, run_lazy


def test_a_wrong_click_on_lambda_is_stored_and_opens_the_modal(
    lambda_env: None, slack: FakeSlack, fake_lambda: FakeLambda, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = str(tmp_path / "state.sqlite3")
    monkeypatch.setenv("DEMARC_STATE", state)
    question = "who patches the OS on Fargate?"
    value = feedback_value("wrong", default_answerer().answer(question), question, "ephemeral")
    body = action_body(ACTION_FEEDBACK + ":1", value, response_url=slack.response_url("fb"), channel=CHECK_CHANNEL)
    result, elapsed = invoke(function_url(body, FORM, sign(body)))
    assert result["statusCode"] == 200 and elapsed < ACK_BUDGET
    [invocation] = fake_lambda.invocations
    assert invocation.payload["headers"]["x-slack-bolt-lazy-function-name"] == "lazy_work"
    run_lazy(fake_lambda)
    [opened] = slack.wait_count("views.open", 1, timeout=5)
    view = opened.body["view"] if isinstance(opened.body["view"], dict) else json.loads(opened.body["view"])
    assert view["callback_id"] == "demarc_feedback_modal"
    assert open_feedback_store(state).feedback_counts() == {"right": 0, "wrong": 1, "corrected": 0}
