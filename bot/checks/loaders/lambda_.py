"""Lambda functions, their resource policies and function URLs, per region.

The function URL is read with GetFunctionUrlConfig on the unqualified function (the
URL most functions have); URLs attached only to an alias are not seen.

Aliases are read too: production traffic often reaches a published version through an
alias, and that version keeps the runtime it was published with after `$LATEST` moves on.
One listing with `FunctionVersion=ALL` returns every published version with its runtime, so
ListAliases is called only for functions that have a published version (an alias on a
function with none can only point at `$LATEST`, which is judged already). Lambda allows 15
control-plane reads per second per region (GetPolicy counted apart); a per-function
ListVersionsByFunction and ListAliases made the family twice as slow at that rate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.checks.faults import LoadError
from bot.checks.inventory import ApiCall, Inventory, Resource, ResourceGone
from bot.checks.secrets import secret_looking


@dataclass(frozen=True)
class Function:
    name: str
    runtime: str | None  # None for container-image functions
    #: Names of environment variables that look like secrets (ListFunctions returns them with
    #: their values; only the names are kept, so no value reaches a finding or a log).
    secret_env: tuple[str, ...] = ()
    #: Published versions (not `$LATEST`): version number -> its runtime (None for an image).
    versions: tuple[tuple[str, str | None], ...] = ()


def _secret_env(fn: dict[str, Any]) -> tuple[str, ...]:
    variables = (fn.get("Environment") or {}).get("Variables") or {}
    return tuple(sorted(str(k) for k, v in variables.items() if secret_looking(str(k), str(v))))


def _functions(inv: Inventory, region: str) -> list[Function]:
    entries = inv.pages("lambda", region, "ListFunctions", "Functions", page_size=50, FunctionVersion="ALL")
    published: dict[str, list[tuple[str, str | None]]] = {}
    for entry in entries:
        version = str(entry.get("Version") or "$LATEST")
        if version != "$LATEST":
            published.setdefault(entry["FunctionName"], []).append((version, entry.get("Runtime")))
    return [
        Function(f["FunctionName"], f.get("Runtime"), _secret_env(f), tuple(published.get(f["FunctionName"], ())))
        for f in entries
        if str(f.get("Version") or "$LATEST") == "$LATEST"
    ]


FUNCTIONS: Resource[list[Function]] = Resource(
    "lambda.functions", True, (ApiCall("lambda", "ListFunctions"),), _functions
)


@dataclass(frozen=True)
class FunctionExposure:
    function: str
    policy: dict[str, Any] | None
    url_auth_type: str | None
    error: str | None = None


def _exposure(inv: Inventory, region: str) -> list[FunctionExposure]:
    def one(fn: Function) -> FunctionExposure | None:
        try:
            policy = inv.call(
                "lambda", region, "GetPolicy", absent=("ResourceNotFoundException",), FunctionName=fn.name
            )
            url = inv.call(
                "lambda",
                region,
                "GetFunctionUrlConfig",
                absent=("ResourceNotFoundException",),
                FunctionName=fn.name,
            )
        except ResourceGone:
            return None
        except LoadError as exc:
            return FunctionExposure(fn.name, None, None, str(exc))
        document = json.loads(policy["Policy"]) if policy and policy.get("Policy") else None
        return FunctionExposure(fn.name, document, str(url["AuthType"]) if url else None)

    functions = inv.get(FUNCTIONS, region)
    return [e for e in inv.fan_out(one, functions) if e is not None]


EXPOSURE: Resource[list[FunctionExposure]] = Resource(
    "lambda.exposure",
    True,
    (ApiCall("lambda", "GetPolicy"), ApiCall("lambda", "GetFunctionUrlConfig")),
    _exposure,
    needs=(FUNCTIONS,),
)


@dataclass(frozen=True)
class AliasTarget:
    """A published version that an alias routes traffic to (weighted routing included)."""

    function: str
    alias: str
    version: str
    runtime: str | None


def _alias_targets(inv: Inventory, region: str) -> list[AliasTarget]:
    def one(fn: Function) -> list[AliasTarget]:
        try:
            aliases = inv.pages("lambda", region, "ListAliases", "Aliases", FunctionName=fn.name)
        except ResourceGone:
            return []
        versions = dict(fn.versions)
        out = []
        for alias in aliases:
            weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            for version in dict.fromkeys([str(alias.get("FunctionVersion", "")), *map(str, weights)]):
                if version and version != "$LATEST" and version in versions:
                    out.append(AliasTarget(fn.name, str(alias["Name"]), version, versions[version]))
        return out

    with_versions = [fn for fn in inv.get(FUNCTIONS, region) if fn.versions]
    return [t for targets in inv.fan_out(one, with_versions) for t in targets]


ALIAS_TARGETS: Resource[list[AliasTarget]] = Resource(
    "lambda.alias_targets",
    True,
    (ApiCall("lambda", "ListAliases"),),
    _alias_targets,
    needs=(FUNCTIONS,),
)
