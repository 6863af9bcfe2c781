"""Who owns a finding: the teams overlay, from accounts down to layers.

`DEMARC_OWNERS` names a YAML file::

    accounts:                      # an account's findings belong to this team
      "111122223333": "@payments-oncall"
    channels:                      # optional: where a team's findings go (DEMARC_POSTURE_ROUTING=channel)
      "@payments-oncall": C0PAYMENTS

A finding's owner is its account's team, else the catalogue's `teams` entry for the
check's layer (service/topic or topic, see README "catalogue"), else nobody.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError

ROUTING_MODES = ("off", "thread", "channel")


@dataclass(frozen=True)
class Owners:
    accounts: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)

    def owner(self, account: str, service: str, topic: str) -> str | None:
        team = self.accounts.get(account)
        if team:
            return team
        try:
            from bot.catalogue import default_catalogue

            return default_catalogue().team_for(service, topic)
        except Exception:  # a catalogue problem is reported elsewhere; routing goes on without it
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
        raise ConfigError(f"DEMARC_OWNERS: {path} must be a mapping with `accounts:` (and `channels:`)")
    problems = []
    out: dict[str, dict[str, str]] = {"accounts": {}, "channels": {}}
    for section in out:
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            problems.append(f"DEMARC_OWNERS: `{section}` must be a mapping")
            continue
        for key, value in entries.items():
            if not isinstance(value, str) or not value.strip():
                problems.append(f"DEMARC_OWNERS: {section}.{key} must name a team or channel")
                continue
            out[section][str(key)] = value.strip()
    unknown = set(data) - set(out)
    if unknown:
        problems.append(f"DEMARC_OWNERS: unknown section(s) {', '.join(sorted(unknown))} (accounts, channels)")
    if problems:
        raise ConfigError("; ".join(problems), problems=problems)
    return Owners(out["accounts"], out["channels"])
