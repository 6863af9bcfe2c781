"""Turn what people type into comparable words.

Questions arrive from Slack with markup (`<@U123>`, `<https://x|label>`, `:fire:`), from
terminals with odd quotes and control characters, and in every inflection ("patches",
"patched", "patching"). Catalogue phrases go through the same functions, so matching is a
comparison of equals.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Collection, Sequence
from functools import lru_cache

# Matching only looks at the start of a huge message: a question is never this long, and
# the cost of an answer must not grow with whatever was pasted after it.
MAX_MATCH_CHARS = 4000

_SLACK_LINK = re.compile(r"<([^<>|]*)\|([^<>]*)>")
_SLACK_SPECIAL = re.compile(r"<[@#!][^<>]*>")
_SLACK_URL = re.compile(r"<(?:https?|mailto):[^<>]*>")
_EMOJI = re.compile(r":[a-z0-9_+\-]+:")
_APOSTROPHE_S = re.compile(r"['’]s\b")
# "we're on the hook", "I'm", "we've": the verb, as the catalogue's phrases spell it ("we are").
_CONTRACTION = re.compile(r"(?<=[a-z])['’](re|ve|ll|m|d)\b")
_CONTRACTED = {"re": " are", "ve": " have", "ll": " will", "m": " am", "d": " would"}
_SPACED_CONTRACTION = re.compile(r"\b(we|you|they|i) (re|ve|ll|m|d)\b")  # "we re" in a phrase list
_NON_WORD = re.compile(r"[^0-9a-z]+")
_DOUBLE_END = re.compile(r"([bdfgklmnprtvz])\1$")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
# "aws/lambda", "alias/aws/s3": the alias AWS gives the AWS managed KMS key it creates for a service
# (names under "aws/" are reserved for them). Next to a word about keys it names that key, not the
# service; without one it may be something else ("AWS/Lambda" is also a CloudWatch namespace).
_MANAGED_KEY_ALIAS = re.compile(r"(?<![\w/.-])(?:alias/)?aws/[a-z0-9][a-z0-9-]*(?![\w/])", re.IGNORECASE)
_KEY_WORD = re.compile(r"\b(?:keys?|kms|cmks?|alias(?:es)?)\b", re.IGNORECASE)
# Words whose final "s" is not a plural: "ours" must not become "our".
_KEEP_S = frozenset(
    [
        "always",
        "k8s",
        "aws",
        "dns",
        "does",
        "ebs",
        "ecs",
        "eks",
        "goes",
        "has",
        "hers",
        "https",
        "iaas",
        "is",
        "its",
        "kms",
        "news",
        "ours",
        "paas",
        "perhaps",
        "rds",
        "saas",
        "series",
        "sms",
        "sns",
        "sqs",
        "theirs",
        "this",
        "thus",
        "was",
        "yours",
    ]
)


# Words the rules below would fold onto another word: "setting" is not the verb "set" ("patch
# set", "set up", "who sets the policy" say nothing about a resource's settings), and Amazon
# WorkSpaces is not any product's "workspace" (Managed Grafana's, Prometheus's, Terraform's).
# Words with a stem of their own: short forms engineers type read as the word they shorten
# ("cert" is a certificate, "creds" credentials), and names that only look like plurals.
_OWN_STEM = {
    "setting": "setting",
    "settings": "setting",
    "workspaces": "workspaces",
    "cert": "certificat",
    "certs": "certificat",
    "cred": "credential",
    "creds": "credential",
    "svc": "servic",
    "svcs": "servic",
    "vol": "volum",
    "vols": "volum",
    "mgr": "manager",  # "secrets mgr", "cert mgr"
    "mgrs": "manager",
}


def strip_slack_markup(text: str) -> str:
    """Drop mentions, channel links, URLs and emoji codes; keep link labels."""
    text = _SLACK_LINK.sub(lambda m: m.group(2) if not m.group(1).startswith(("@", "!")) else " ", text)
    text = _SLACK_SPECIAL.sub(" ", text)
    text = _SLACK_URL.sub(" ", text)
    return _EMOJI.sub(" ", text)


def name_managed_keys(text: str) -> str:
    """ "the aws/lambda key" -> "the AWS managed key key": the alias names a KMS key, not Lambda."""
    if "aws/" not in text.lower() or not _KEY_WORD.search(_MANAGED_KEY_ALIAS.sub(" ", text)):
        return text
    return _MANAGED_KEY_ALIAS.sub(" AWS managed key ", text)


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits, with accents removed and other characters as spaces.

    It folds whatever it is given (catalogue word lists can be long); questions are cut to
    MAX_MATCH_CHARS by their caller before they get here.
    """
    text = unicodedata.normalize("NFKD", text)
    text = _CAMEL.sub(" ", text)  # PubliclyAccessible -> Publicly Accessible
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = text.replace("&amp;", " and ").replace("&lt;", " ").replace("&gt;", " ")
    text = _APOSTROPHE_S.sub("", text)
    text = _CONTRACTION.sub(lambda m: _CONTRACTED[m.group(1)], text)
    text = text.replace("'", "").replace("’", "")
    text = _NON_WORD.sub(" ", text)
    return _SPACED_CONTRACTION.sub(lambda m: m.group(1) + _CONTRACTED[m.group(2)], text)


def tokens(text: str) -> list[str]:
    return fold(name_managed_keys(strip_slack_markup(text[:MAX_MATCH_CHARS]))).split()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately small stemmer: plural, -ing, -ed, and a final e.

    It only has to map a word's inflections onto one key, consistently for questions and
    catalogue phrases; it never has to produce a real word.
    """
    if word in _KEEP_S:
        return word
    if word in _OWN_STEM:
        return _OWN_STEM[word]
    if len(word) >= 3 and word[-1] == "s" and word[-2].isdigit():
        return word[:-1]  # "m5s", "ec2s": plurals of names that end in a digit
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
        word = _DOUBLE_END.sub(r"\1", word)
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
        word = _DOUBLE_END.sub(r"\1", word)
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def inflects(word: str, known: Collection[str]) -> bool:
    """Whether the word is a plural, "-ing" or "-ed" form of a known word ("scoping", "retried").

    Word lists hold the forms they saw; typo correction must not take a missing inflection for a
    slip ("restarting" is not "resharding")."""
    for end, back in (("s", ""), ("es", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("d", ""),
                      ("ied", "y"), ("ies", "y")):
        if word.endswith(end) and len(word) > len(end) + 2:
            base = word[: -len(end)] + back
            if base in known or (end in ("ing", "ed") and _DOUBLE_END.search(base) and base[:-1] in known):
                return True
    return False


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The lookup key of a catalogue phrase (normalised and stemmed words)."""
    return tuple(stem(t) for t in fold(phrase).split())


# Word pairs that are one thing: their words count only as the pair. "Data center" is a building,
# and counting its "data" as a word of its own taught the model that "who secures S3 data?" asks
# about facilities (the phrase is in nearly every facilities cell).
COMPOUNDS = frozenset({("data", "center"), ("data", "centr")})


def compound_words(stems: Sequence[str]) -> set[int]:
    """Positions of words that belong to a compound pair, so their single-word features are left out
    (`bot.topic_model`, `bot.cell_text`)."""
    inside: set[int] = set()
    for i, pair in enumerate(itertools.pairwise(stems)):
        if pair in COMPOUNDS:
            inside.update((i, i + 1))
    return inside
