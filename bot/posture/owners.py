"""Who owns a finding: the teams overlay, from resources and accounts down to layers.

`DEMARC_OWNERS` names a YAML file::

    tags:                          # a resource's tag decides first
      team: "@{value}-oncall"      #   the tag's value names the team ({value} is replaced), or
      cost-centre:                 #   a table from tag values to teams
        "4711": "@payments-oncall"
    accounts:                      # then the account's team
      "111122223333": "@payments-oncall"
    ous:                           # then the nearest OU (AWS Organizations) that has one
      ou-ab12-34567890: "@platform-oncall"
    channels:                      # optional: where a team's findings go (DEMARC_POSTURE_ROUTING=channel)
      "@payments-oncall": C0PAYMENTS

A finding's owner is, most specific first: its resource's tag, its account's team, its
account's nearest OU's team, the catalogue's `teams` entry for the check's layer
(service/topic or topic, see README "catalogue"), else nobody. Tags are read with
`tag:GetResources` and OUs with `organizations:ListParents` only when the file asks for them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.checks.ownership import short_id
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.checks.model import AccountReport

log = logging.getLogger(__name__)

ROUTING_MODES = ("off", "thread", "channel")
SECTIONS = ("tags", "accounts", "ous", "channels")
#: In a `tags:` template, replaced by the tag's value.
VALUE = "{value}"

#: A tag key's rule: a team template containing {value}, or a table from values to teams.
TagRule = str | Mapping[str, str]
#: An account's OUs, nearest first (what `bot.checks.ownership.ou_path` returns).
OuResolver = Callable[[str], tuple[str, ...]]


@dataclass(frozen=True)
class Owners:
    accounts: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)
    ous: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, TagRule] = field(default_factory=dict)
    #: One account's context, set by `for_report`: its resources' tags and its OU path.
    resource_tags: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    ou_path: tuple[str, ...] = ()

    @property
    def tag_keys(self) -> tuple[str, ...]:
        """The tag keys a scan must read for this overlay (none: no tagging call)."""
        return tuple(self.tags)

    def for_report(self, report: AccountReport, resolve_ous: OuResolver | None = None) -> Owners:
        """This overlay with one account's resource tags and OU path filled in."""
        for note in report.owner_notes:
            log.warning("owners: account %s: %s", report.account, note)
        path: tuple[str, ...] = ()
        if self.ous and resolve_ous is not None:
            try:
                path = resolve_ous(report.account)
            except Exception as exc:  # routing falls back to the account or layer owner
                from bot.checks.faults import describe_fault

                reason = describe_fault(
                    exc, service="organizations", operation="ListParents", region="us-east-1", regional=False
                )
                log.warning("owners: the OUs of account %s could not be read: %s", report.account, reason)
        return replace(self, resource_tags=report.resource_tags, ou_path=path)

    def owner(self, account: str, service: str, topic: str, resource: str | None = None) -> str | None:
        """The most specific owner: resource tag, account, nearest OU, layer team."""
        team = self.tag_owner(resource) or self.accounts.get(account)
        if not team:
            team = next((self.ous[ou] for ou in self.ou_path if ou in self.ous), None)
        if team:
            return team
        try:
            from bot.catalogue import default_catalogue

            return default_catalogue().team_for(service, topic)
        except Exception:  # a catalogue problem is reported elsewhere; routing goes on without it
            return None

    def tag_owner(self, resource: str | None) -> str | None:
        if not resource or not self.tags:
            return None
        tags = self.resource_tags.get(resource)
        if tags is None:
            tags = self.resource_tags.get(short_id(resource))
        if not tags:
            return None
        for key, rule in self.tags.items():
            value = tags.get(key, "").strip()
            if not value:
                continue
            if isinstance(rule, str):
                return rule.replace(VALUE, value)
            team = rule.get(value)
            if team:
                return team
        return None


def load_owners(path: Path | None) -> Owners:
    if path is None:
        return Owners()
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"DEMARC_OWNERS: cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"DEMARC_OWNERS: {path} must be a mapping of {', '.join(SECTIONS)}")
    problems: list[str] = []
    plain: dict[str, dict[str, str]] = {"accounts": {}, "ous": {}, "channels": {}}
    for section, out in plain.items():
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            problems.append(f"DEMARC_OWNERS: `{section}` must be a mapping")
            continue
        for key, value in entries.items():
            if not isinstance(value, str) or not value.strip():
                problems.append(f"DEMARC_OWNERS: {section}.{key} must name a team or channel")
                continue
            if section == "ous" and not str(key).startswith("ou-"):
                problems.append(f"DEMARC_OWNERS: ous.{key} is not an OU id (ou-...)")
                continue
            out[str(key)] = value.strip()
    tags = _tag_rules(data.get("tags"), problems)
    unknown = set(data) - set(SECTIONS)
    if unknown:
        names = ", ".join(sorted(map(str, unknown)))
        problems.append(f"DEMARC_OWNERS: unknown section(s) {names} ({', '.join(SECTIONS)})")
    if problems:
        raise ConfigError("; ".join(problems), problems=problems)
    return Owners(plain["accounts"], plain["channels"], plain["ous"], tags)


def _tag_rules(entries: Any, problems: list[str]) -> dict[str, TagRule]:
    rules: dict[str, TagRule] = {}
    if entries is None:
        return rules
    if not isinstance(entries, dict):
        problems.append("DEMARC_OWNERS: `tags` must be a mapping from tag keys to a team template or a table")
        return rules
    for key, rule in entries.items():
        if isinstance(rule, str) and VALUE in rule:
            rules[str(key)] = rule.strip()
        elif isinstance(rule, dict) and rule and all(isinstance(v, str) and v.strip() for v in rule.values()):
            rules[str(key)] = {str(k): v.strip() for k, v in rule.items()}
        else:
            problems.append(
                f"DEMARC_OWNERS: tags.{key} must be a team template containing {VALUE} "
                "or a table from tag values to teams"
            )
    return rules
