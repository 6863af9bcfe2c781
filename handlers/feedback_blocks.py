"""The Right / Wrong control on answers and the correction modal, as Block Kit (no Slack import).

Two shapes of the same control, one action id (`demarc_feedback`), one value format:

- `native`: Slack's feedback buttons, a `feedback_buttons` element in a `context_actions`
  block (https://docs.slack.dev/reference/block-kit/blocks/context-actions-block; slack_sdk's
  `ContextActionsBlock` and `FeedbackButtonsElement` model it). The click's payload carries
  the value of the button pressed.
- `buttons`: two plain buttons in an actions block, for surfaces where the feedback element
  is not shown.

`DEMARC_FEEDBACK=auto` (the default) uses the native control on messages demarc posts
(mentions, DMs, shared answers) and plain buttons on ephemeral answers (`/demarc`).

The value (at most 2,000 characters, counted in UTF-16 like Slack) is compact JSON: the
verdict, what demarc answered (kind, service, topic, owner, check), the surface and the
question, cut to fit. Nothing else of the conversation is in it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.feedback import NOT_ANSWERABLE, OWNERS, WHOLE_SERVICE, Answered
from handlers.blockkit import MAX_BUTTON_VALUE, Block, actions, button, clip, escape, plain, utf16_len

ACTION_FEEDBACK = "demarc_feedback"
BLOCK_FEEDBACK = "demarc_feedback"
VIEW_FEEDBACK = "demarc_feedback_modal"
SERVICE_BLOCK, SERVICE_INPUT = "fb_service", "fb_service_input"
TOPIC_BLOCK, TOPIC_INPUT = "fb_topic", "fb_topic_input"
OWNER_BLOCK, OWNER_INPUT = "fb_owner", "fb_owner_input"
NOTE_BLOCK, NOTE_INPUT = "fb_note", "fb_note_input"
#: Slack's limits for the modal: options per static select, private_metadata, option text.
MAX_OPTIONS = 100  # a static select's options, and the options of each of its option groups
MAX_OPTION_GROUPS = 100
MAX_METADATA = 3000
MAX_OPTION_TEXT = 75
MAX_NOTE = 500
OWNER_WORDS = {"aws": "AWS", "customer": "Customer (us)", "shared": "Shared"}
#: Surfaces a control can be rendered for; "message" is posted by demarc, "ephemeral" is not.
SURFACES = ("message", "ephemeral")


def control_for(setting: str, surface: str) -> str:
    """`native`, `buttons` or `off` for an answer on `surface` under DEMARC_FEEDBACK."""
    if setting == "auto":
        return "native" if surface == "message" else "buttons"
    return setting


def feedback_value(verdict: str, answer: Mapping[str, Any], question: str, surface: str) -> str:
    """The button's value: compact JSON, the question cut so the whole fits Slack's 2,000."""
    a = Answered.of(answer)
    data = {"v": verdict, "k": a.kind, "s": a.service, "t": a.topic, "o": a.owner, "c": a.check, "f": surface}

    def dump(text: str) -> str:
        return json.dumps({**data, "q": text}, ensure_ascii=False, separators=(",", ":"))

    if utf16_len(dump(question)) <= MAX_BUTTON_VALUE:
        return dump(question)
    low, high = 0, len(question)  # the longest prefix that fits: binary search
    while low < high:
        middle = (low + high + 1) // 2
        if utf16_len(dump(question[:middle])) <= MAX_BUTTON_VALUE:
            low = middle
        else:
            high = middle - 1
    return dump(question[:low])


def parse_value(value: str) -> dict[str, Any] | None:
    """The value back, or None when it is not one of ours."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v") not in ("right", "wrong") or not isinstance(data.get("q"), str):
        return None
    return data


def answered_of(data: Mapping[str, Any]) -> Answered:
    def text(key: str) -> str | None:
        value = data.get(key)
        return str(value)[:100] if isinstance(value, str) and value else None

    kind = data.get("k") if data.get("k") in ("cell", "service", "account", "none") else "none"
    owner = text("o") if data.get("o") in OWNERS else None
    return Answered(str(kind), text("s"), text("t"), owner, text("c"))


def feedback_block(control: str, answer: Mapping[str, Any], question: str, surface: str) -> Block | None:
    """The Right / Wrong control for one answer, or None (`off`, or nothing was asked)."""
    if control == "off" or not question.strip():
        return None
    right = feedback_value("right", answer, question, surface)
    wrong = feedback_value("wrong", answer, question, surface)
    if control == "native":
        return {
            "type": "context_actions",
            "block_id": BLOCK_FEEDBACK,
            "elements": [
                {
                    "type": "feedback_buttons",
                    "action_id": ACTION_FEEDBACK,
                    "positive_button": {
                        "text": plain("Right"),
                        "accessibility_label": "This answer is right",
                        "value": right,
                    },
                    "negative_button": {
                        "text": plain("Wrong"),
                        "accessibility_label": "This answer is wrong: tell demarc what is right",
                        "value": wrong,
                    },
                }
            ],
        }
    return actions(
        [button(":white_check_mark: Right", ACTION_FEEDBACK, right), button(":x: Wrong", ACTION_FEEDBACK, wrong)],
        block_id=BLOCK_FEEDBACK,
    )


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(clip(text, MAX_OPTION_TEXT)), "value": value}


def _sort_name(name: str) -> str:
    """ "Amazon S3" sorts under S, "AWS Lambda" under L: the product's own name, not its maker's."""
    for prefix in ("Amazon ", "AWS "):
        if name.startswith(prefix):
            return name[len(prefix) :].casefold()
    return name.casefold()


def _service_choices(services: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The services as a select's `options`, or, past Slack's 100 options, as alphabetical option
    groups of up to 100 each ("A-L", "M-Z"), so every service of a large catalogue can be picked."""
    ordered = sorted(services, key=lambda s: _sort_name(s[1]))
    options = [_option(name, sid) for sid, name in ordered]
    if len(options) <= MAX_OPTIONS:
        return {"options": options}
    groups = []
    for start in range(0, len(options), MAX_OPTIONS):
        chunk = ordered[start : start + MAX_OPTIONS]
        first, last = _sort_name(chunk[0][1])[:1].upper(), _sort_name(chunk[-1][1])[:1].upper()
        label = first if first == last else f"{first}-{last}"
        groups.append({"label": plain(label), "options": options[start : start + MAX_OPTIONS]})
    return {"option_groups": groups[:MAX_OPTION_GROUPS]}


def correction_modal(
    *,
    record_id: str,
    value: str,
    channel: str | None,
    user: str | None,
    question: str,
    answered: Answered,
    services: Sequence[tuple[str, str]],
    topics: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """The modal a "wrong" click opens: the right service, layer and owner, each optional."""
    service_choices = _service_choices(services)
    service_options = [o for group in service_choices.get("option_groups", [service_choices]) for o in group["options"]]
    topic_options = [
        _option("Every layer (a question about the whole service)", WHOLE_SERVICE),
        _option("Not a question demarc should answer", NOT_ANSWERABLE),
        *[_option(title, tid) for tid, title in topics],
    ][:MAX_OPTIONS]
    owner_options = [_option(OWNER_WORDS[o], o) for o in OWNERS]
    said = _said(answered, dict(services), dict(topics))
    service_element: dict[str, Any] = {
        "type": "static_select",
        "action_id": SERVICE_INPUT,
        "placeholder": plain("The service the question is about"),
        **service_choices,
    }
    initial = next((o for o in service_options if o["value"] == answered.service), None)
    if initial:
        service_element["initial_option"] = initial
    metadata = json.dumps({"id": record_id, "channel": channel, "user": user, "value": value},
                          ensure_ascii=False, separators=(",", ":"))
    if len(metadata) > MAX_METADATA:  # the value alone fits; the record is in the store
        metadata = json.dumps({"id": record_id, "channel": channel, "user": user}, separators=(",", ":"))
    return {
        "type": "modal",
        "callback_id": VIEW_FEEDBACK,
        "title": plain("What is right?"),
        "submit": plain("Send"),
        "close": plain("Skip"),
        "private_metadata": metadata,
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": clip(f"*You asked:* {escape(question)}\n*demarc said:* {said}", 2900),
                },
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Everything here is optional; your \"wrong\" is counted either way. A correction "
                        "is kept with the question for review, then its text is purged after the retention period.",
                    }
                ],
            },
            {"type": "input", "block_id": SERVICE_BLOCK, "optional": True, "label": plain("Right service"),
             "element": service_element},
            {"type": "input", "block_id": TOPIC_BLOCK, "optional": True, "label": plain("Right layer"),
             "element": {"type": "static_select", "action_id": TOPIC_INPUT,
                         "placeholder": plain("The layer the question is about"), "options": topic_options}},
            {"type": "input", "block_id": OWNER_BLOCK, "optional": True, "label": plain("Right owner"),
             "element": {"type": "static_select", "action_id": OWNER_INPUT,
                         "placeholder": plain("Who is responsible"), "options": owner_options}},
            {"type": "input", "block_id": NOTE_BLOCK, "optional": True, "label": plain("Anything else"),
             "element": {"type": "plain_text_input", "action_id": NOTE_INPUT, "multiline": True,
                         "max_length": MAX_NOTE}},
        ],
    }


def _said(answered: Answered, services: Mapping[str, str], topics: Mapping[str, str]) -> str:
    service = escape(services.get(answered.service or "", answered.service or ""))
    if answered.kind == "cell":
        topic = escape(topics.get(answered.topic or "", answered.topic or ""))
        return f"{service} / {topic}: {OWNER_WORDS.get(answered.owner or '', answered.owner or '?')}"
    if answered.kind == "service":
        return f"{service}, every layer"
    if answered.kind == "account":
        return f"a question about your account (check `{escape(answered.check or '')}`)"
    return "no answer (not a question it covers)"


def submitted(values: Mapping[str, Any]) -> dict[str, str | None]:
    """The correction's fields from a view submission's state (None when left empty)."""

    def selected(block: str, action: str) -> str | None:
        option = ((values.get(block) or {}).get(action) or {}).get("selected_option") or {}
        return str(option.get("value")) if option.get("value") else None

    note = str(((values.get(NOTE_BLOCK) or {}).get(NOTE_INPUT) or {}).get("value") or "").strip()
    return {
        "service": selected(SERVICE_BLOCK, SERVICE_INPUT),
        "topic": selected(TOPIC_BLOCK, TOPIC_INPUT),
        "owner": selected(OWNER_BLOCK, OWNER_INPUT),
        "note": note[:MAX_NOTE] or None,
    }
