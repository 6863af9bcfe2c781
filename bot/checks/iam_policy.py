"""Regenerate `docs/iam-policy.json` (and the same list in `deploy/template.yaml`) from the
checks' declared API calls: `python -m bot.checks.iam_policy`.

The recorded-calls test proves the file exact in both directions; this keeps it so.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from bot.checks.policy import is_read_only

ROOT = Path(__file__).resolve().parents[2]
POLICY_FILE = ROOT / "docs" / "iam-policy.json"
TEMPLATE_FILE = ROOT / "deploy" / "template.yaml"
SID = "DemarcAccountChecksReadOnly"


def actions() -> list[str]:
    """The checks' declared actions and the owners overlay's tag read (`bot.checks.ownership`)."""
    from bot.checks.ownership import TAG_ACTIONS
    from bot.checks.registry import all_checks

    out = sorted(set().union(*(c.iam_actions for c in all_checks()), TAG_ACTIONS))
    writes = [a for a in out if not is_read_only(a)]
    if writes:
        raise ValueError(f"checks declare actions that are not read-only: {', '.join(writes)}")
    return out


def policy_text() -> str:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": SID, "Effect": "Allow", "Action": actions(), "Resource": "*"}],
    }
    return json.dumps(document, indent=2) + "\n"


def template_text(template: str) -> str:
    """The template with every checks statement's Action list replaced by `actions()`."""
    pattern = re.compile(r"(- Sid: " + SID + r"\n(\s+)Effect: Allow\n\s+Action:\n)((?:\s+- [a-z0-9-]+:\w+\n)+)")

    def replace(match: re.Match[str]) -> str:
        indent = match.group(2) + "  "
        return match.group(1) + "".join(f"{indent}- {a}\n" for a in actions())

    return pattern.sub(replace, template)


def main() -> int:
    POLICY_FILE.write_text(policy_text(), encoding="utf-8")
    TEMPLATE_FILE.write_text(template_text(TEMPLATE_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"{len(actions())} read-only actions written to {POLICY_FILE.name} and {TEMPLATE_FILE.name}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
