"""Fail the build when a function would not deploy: Lambda caps a function's unzipped code plus all its layers at
250 MB, and ``sam build`` does not check it (``sam deploy`` fails late, on AWS, after the upload).

Usage (after ``sam build``, from the repository root): ``python scripts/check_package_sizes.py [BUILD_DIR]``
(default ``.aws-sam/build``). Prints each function's size beside the limit; exits 1 if one is over.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "infra"))

from licita_local.template.cfn import load_yaml  # noqa: E402

LIMIT_MB = 250.0


def tree_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def layer_ids(layers: list[Any]) -> list[str]:
    return [layer["Ref"] for layer in layers if isinstance(layer, dict) and "Ref" in layer]


def function_sizes(template: dict[str, Any], build: Path) -> dict[str, float]:
    """Unzipped MB per function: its own build folder plus every layer it gets (Globals' first, then its own)."""
    global_layers = layer_ids(template.get("Globals", {}).get("Function", {}).get("Layers", []))
    sizes: dict[str, float] = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        layers = global_layers + layer_ids(resource.get("Properties", {}).get("Layers", []))
        sizes[logical_id] = tree_mb(build / logical_id) + sum(tree_mb(build / layer) for layer in layers)
    return sizes


def main(argv: list[str]) -> int:
    build = Path(argv[0]) if argv else ROOT / ".aws-sam" / "build"
    sizes = function_sizes(load_yaml(ROOT / "template.yaml"), build)
    over = {name: mb for name, mb in sizes.items() if mb > LIMIT_MB}
    largest = max(sizes, key=sizes.__getitem__)
    print(f"package sizes (code + layers, unzipped): largest {largest} {sizes[largest]:.0f} MB of {LIMIT_MB:.0f}; "
          + ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(sizes.items(), key=lambda kv: -kv[1])[:4]))
    for name, mb in over.items():
        print(f"error: {name} is {mb:.0f} MB unzipped, over Lambda's {LIMIT_MB:.0f} MB limit", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
