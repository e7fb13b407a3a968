"""Custom import-linter contract: a package's private parts stay inside it.

import-linter module expressions cannot match "names starting with an underscore", so this contract walks the
graph itself. For every top-level package under ``containers`` (an area such as ``licita.tenders``, or
``licita.core``), a module or imported name whose own name starts with ``_`` (dunders excepted) may be imported
only from inside that package. Loaded by ``.importlinter`` (``contract_types``); lint-imports puts the working
directory on ``sys.path``.
"""

from __future__ import annotations

import re
from typing import Any

from importlinter import Contract, ContractCheck, fields, output

_FROM_IMPORT = re.compile(r"^\s*from\s+[\w.]+\s+import\s+\(?(?P<names>[^)#]*)")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _owner(module: str, containers: set[str]) -> str | None:
    """``licita.tenders.service`` → ``licita.tenders`` (the top-level package under a container)."""
    for container in containers:
        if module.startswith(container + "."):
            return f"{container}.{module[len(container) + 1 :].split('.', maxsplit=1)[0]}"
    return None


def _private_names(line: str) -> list[str]:
    match = _FROM_IMPORT.match(line)
    if match is None:
        return []
    names = [part.strip().split(" as ")[0].strip() for part in match.group("names").split(",")]
    return [name for name in names if name and _private(name)]


class PrivateModulesContract(Contract):
    """No package imports another package's ``_private`` modules or ``_private`` names."""

    type_name = "private_modules"

    containers = fields.ListField(subfield=fields.StringField())

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        containers = set(self.containers)  # type: ignore[call-overload]
        violations: list[dict[str, Any]] = []
        for imported in sorted(graph.modules):
            owner = _owner(imported, containers)
            if owner is None:
                continue
            private_module = any(_private(part) for part in imported[len(owner) + 1 :].split(".") if part)
            for importer in sorted(graph.find_modules_that_directly_import(imported)):
                if _owner(importer, containers) == owner:
                    continue
                for detail in graph.get_import_details(importer=importer, imported=imported):
                    names = _private_names(detail["line_contents"])
                    if private_module or names:
                        violations.append(
                            {
                                "importer": importer,
                                "imported": imported,
                                "line_number": detail["line_number"],
                                "what": ", ".join(names) or imported,
                            }
                        )
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["violations"]:
            output.print_error(
                f"- {item['importer']} -> {item['imported']} (l.{item['line_number']}): private {item['what']}",
                bold=False,
            )
            output.new_line()
