"""The direction of imports (DESIGN.md §2) and the `platform/` folder that must never shadow the stdlib.

The contracts live in pyproject.toml (``[tool.importlinter]``); ``make lint`` runs them too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HUBCITY = ROOT / "platform" / "hubcity"
# Sub-packages of hubcity that are not domains: core may import these.
NOT_DOMAINS = {"core", "config", "db"}


def contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


def contract_from(source: str) -> dict[str, Any]:
    return next(c for c in contracts() if source in c.get("source_modules", []))


def lint_imports() -> str:
    beside_python = Path(sys.executable).with_name("lint-imports")
    found = str(beside_python) if beside_python.exists() else shutil.which("lint-imports")
    assert found, "lint-imports is missing: install the dev extra (make venv)"
    return found


def test_import_contracts_are_kept() -> None:
    result = subprocess.run(
        [lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    kept = re.search(r"Contracts: (\d+) kept, (\d+) broken", report)
    assert kept and int(kept[1]) == len(contracts()) and kept[2] == "0", report


def test_core_contract_lists_every_domain_package() -> None:
    domains = {
        f"hubcity.{path.parent.name}"
        for path in HUBCITY.glob("*/__init__.py")
        if path.parent.name not in NOT_DOMAINS
    }
    assert {"hubcity.accounts", "hubcity.system"} <= domains
    forbidden = set(contract_from("hubcity.core")["forbidden_modules"])
    assert domains <= forbidden, f"add to the core contract in pyproject.toml: {sorted(domains - forbidden)}"


def test_contracts_are_not_vacuous() -> None:
    # The wildcard must match real modules, or the services contract checks nothing.
    assert list(HUBCITY.glob("*/services.py")) + list(HUBCITY.glob("*/services/__init__.py"))
    assert "litestar" in contract_from("hubcity.*.services")["forbidden_modules"]
    assert {"hubcity", "litestar", "piccolo"} <= set(contract_from("matching")["forbidden_modules"])
    assert (ROOT / "matching" / "__init__.py").is_file()
    assert "hubcity.*" in contract_from("hubcity.config.settings")["forbidden_modules"]


def test_stdlib_platform_is_not_shadowed_from_the_repository_root() -> None:
    assert not (ROOT / "platform" / "__init__.py").exists(), "platform/ is a source folder, never a package"
    check = "import uuid, platform; platform.system(); print(platform.__file__)"
    for pythonpath in (None, os.pathsep.join(["platform", "."])):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert not Path(result.stdout.strip()).is_relative_to(ROOT / "platform")
