"""Validate OCDS output offline against the official 1.1.5 schemas in ../shared/data/ocds-1.1.5
(Apache-2.0, from the open-contracting/standard repository at tag 1__1__5).

- release packages: libcoveocds with --standard-zip (schema errors and closed-codelist values);
- record packages: jsonschema Draft 4 with a local registry of the four schemas (libcoveocds
  fetches the versioned-release schema over the network for records, which fails here).
"""
from __future__ import annotations

import json
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT.parent / "shared" / "data" / "ocds-1.1.5"
STANDARD_ZIP = SCHEMAS / "standard-1__1__5.zip"


def libcove_release_package(package: dict, tmp_path: Path) -> dict:
    """Run libcoveocds on a release package; return its validation errors and closed-codelist values."""
    source = tmp_path / "package.json"
    source.write_text(json.dumps(package))
    out = subprocess.run([str(Path(sys.executable).parent / "libcoveocds"), "--standard-zip", str(STANDARD_ZIP),
                          "-d", "-o", str(tmp_path / "cove"), str(source)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    return {"validation_errors": result["validation_errors"],
            "closed_codelists": result["additional_closed_codelist_values"]}


@lru_cache(maxsize=1)
def _registry():
    from referencing import Registry, Resource

    resources = []
    for name in ("release-schema.json", "release-package-schema.json", "record-package-schema.json",
                 "versioned-release-validation-schema.json"):
        schema = json.loads((SCHEMAS / name).read_text())
        resources.append((schema["id"], Resource.from_contents(schema, default_specification=_draft4())))
    return Registry().with_resources(resources)


def _draft4():
    from referencing.jsonschema import DRAFT4
    return DRAFT4


def schema_errors(package: dict, kind: str) -> list[str]:
    """Every schema error in a release or record package, checked with formats (date-time)."""
    from jsonschema import Draft4Validator, FormatChecker

    schema = json.loads((SCHEMAS / f"{kind}-package-schema.json").read_text())
    validator = Draft4Validator(schema, registry=_registry(), format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(package)]
