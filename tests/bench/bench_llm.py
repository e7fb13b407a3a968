"""Rules alone vs rules + LLM on the shared set, per field, against a REAL model server.

Run: ``python tests/bench/bench_llm.py [--ollama] [--limit N]`` (``make bench`` runs it; ``make test-llm`` runs
it too, against the llama.cpp server it starts). Needs ``LICITA_LLM_BASE_URL`` (an OpenAI-compatible ``/v1``
URL) or, with ``--ollama``, ``LICITA_LLM_OLLAMA_URL``; ``LICITA_LLM_MODEL`` names the model. Without a
reachable server, or without ../shared/data/tenders, it says so and exits 0 (skipped).

The reference measured in the same run is rules alone; the figure is rules + LLM, which the merge policy
(licita.extraction.llm.merge) must never bring below it. Also printed: fields the model fixed and broke,
gaps it filled, disagreements sent to review, and seconds per document.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TENDERS = ROOT.parent / "shared" / "data" / "tenders"
sys.path.insert(0, str(ROOT / "shared"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("LICITA_OCR_CACHE_DIR", str(ROOT / ".cache" / "ocr"))  # scans read once across runs

from common import record  # noqa: E402

from licita.documents import extract_document  # noqa: E402
from licita.extraction import extract_tender  # noqa: E402
from licita.extraction.llm import EnrichOptions, enrich  # noqa: E402
from licita.extraction.llm.accounting import ResponseCache  # noqa: E402
from licita.extraction.llm.base import LLMProvider  # noqa: E402
from licita.extraction.llm.resilience import MemoryBreakerStore, RetryPolicy  # noqa: E402
from licita.extraction.models import FIELD_NAMES  # noqa: E402
from licita.extraction.scoring import score  # noqa: E402


def _reachable(url: str, patience: float) -> bool:
    """The server answers 2xx. A busy one is waited for up to ``patience`` s: llama-cpp-python answers
    ``/v1/models`` only once the model is free (e.g. still computing requests a timeout test abandoned);
    nothing listening (connection refused) gives up at once."""
    deadline = time.monotonic() + patience
    while True:
        remaining = deadline - time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=max(3.0, min(30.0, remaining))) as response:
                return bool(200 <= response.status < 300)
        except (TimeoutError, urllib.error.URLError) as exc:
            busy = isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError)
            if not busy or time.monotonic() >= deadline:
                return False
        except Exception:
            return False


def _provider(ollama: bool, patience: float) -> tuple[LLMProvider | None, str]:
    model = os.environ.get("LICITA_LLM_MODEL", "local")
    if ollama:
        url = os.environ.get("LICITA_LLM_OLLAMA_URL", "").rstrip("/")
        if not url or not _reachable(f"{url}/api/version", patience):
            return None, f"no Ollama-API server at LICITA_LLM_OLLAMA_URL={url or '(unset)'}"
        from licita.extraction.llm.providers import OllamaProvider

        return OllamaProvider(model=model, host=url), f"ollama {model} at {url}"
    url = os.environ.get("LICITA_LLM_BASE_URL", "").rstrip("/")
    if not url or not _reachable(f"{url}/models", patience):
        return None, f"no OpenAI-compatible server at LICITA_LLM_BASE_URL={url or '(unset)'}"
    from licita.extraction.llm.providers import OpenAIProvider

    return OpenAIProvider(model=model, base_url=url), f"openai-compatible {model} at {url}"


def _no_redis() -> Any:
    raise RuntimeError("the benchmark keeps no LLM answer cache")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ollama", action="store_true", help="use LICITA_LLM_OLLAMA_URL (Ollama API)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents (0: all)")
    parser.add_argument("--require", action="store_true",
                        help="no reachable model server is a failure, not a skip (make test-llm started one)")
    args, _ = parser.parse_known_args()  # run.py passes its own arguments to every bench
    if not TENDERS.is_dir():
        print(f"rules vs rules + LLM: skipped: shared set not found ({TENDERS})")
        return 0
    timeout = float(os.environ.get("LICITA_LLM_TIMEOUT", "300"))
    provider, where = _provider(args.ollama, patience=timeout if args.require else 10.0)
    if provider is None and args.require:
        print(f"rules vs rules + LLM: FAILED: the model server did not answer: {where}")
        return 1
    if provider is None:
        # `make bench` has no model server: say so on one line instead of printing nothing
        print(f"rules vs rules + LLM: skipped: no model server (run `make test-llm`, which starts llama.cpp with "
              f"a small GGUF model and runs this, or set LICITA_LLM_BASE_URL): {where}")
        return 0
    options = EnrichOptions(timeout=timeout, section_budget=int(os.environ.get("LICITA_LLM_BUDGET", "2500")),
                            retry=RetryPolicy(max_attempts=1), breaker_store=MemoryBreakerStore(),
                            cache=ResponseCache(_no_redis), track_usage=False, use_cache=False)
    files = sorted(p for p in TENDERS.iterdir() if p.suffix in (".pdf", ".docx"))
    if args.limit:
        files = files[: args.limit]
    print(f"model: {where}; {len(files)} documents; prompt budget {options.section_budget} chars")
    print(f"{'document':<58} {'rules':>6} {'+llm':>6} {'s':>6}  changes")
    per_field = {name: [0, 0] for name in FIELD_NAMES}  # right: rules, rules+llm
    fixed = broken = filled = conflicts = failures = 0
    seconds: list[float] = []
    for path in files:
        truth = json.loads(path.with_name(path.name + ".truth.json").read_text(encoding="utf-8"))
        document = extract_document(path.read_bytes(), path.name)
        rules = extract_tender(document).to_dict()
        pages = [(p.number, p.text) for p in document.pages]
        t0 = time.perf_counter()
        outcome = enrich(rules, pages, file_sha256=document.sha256, provider=provider, options=options)
        seconds.append(time.perf_counter() - t0)
        failures += outcome.status_hint == "llm_failed"
        alone, together = score(rules, truth), score(outcome.merged, truth)
        changes = []
        for name in FIELD_NAMES:
            per_field[name][0] += alone[name]
            per_field[name][1] += together[name]
            if alone[name] != together[name]:
                changes.append(("+" if together[name] else "-") + name)
        fixed += sum(1 for c in changes if c[0] == "+")
        broken += sum(1 for c in changes if c[0] == "-")
        filled += len(outcome.merged.get("llm_fields") or [])
        conflicts += len(outcome.merged.get("conflicts") or [])
        note = " ".join(changes) or ("(model failed)" if outcome.status_hint == "llm_failed" else "")
        print(f"{path.name[:58]:<58} {sum(alone.values()):>3}/17 {sum(together.values()):>3}/17 "
              f"{seconds[-1]:>6.1f}  {note}")
    total = len(files) * len(FIELD_NAMES)
    rules_right = sum(v[0] for v in per_field.values())
    llm_right = sum(v[1] for v in per_field.values())
    print(f"\n{'field':<18} {'rules':>7} {'+llm':>7}")
    for name, (a, b) in per_field.items():
        print(f"{name:<18} {a:>3}/{len(files):<3} {b:>3}/{len(files):<3}{'  <' if b < a else ''}")
    print(f"\nrules alone:  {rules_right}/{total} = {100 * rules_right / total:.1f}%")
    print(f"rules + LLM:  {llm_right}/{total} = {100 * llm_right / total:.1f}%  "
          f"(fixed {fixed}, broke {broken}; {filled} gaps filled by the model, {conflicts} disagreements to review, "
          f"model failed on {failures} documents)")
    print(f"model time: {sum(seconds):.0f} s, {sum(seconds) / max(1, len(seconds)):.1f} s per document")
    record("rules+llm accuracy (shared set)", round(100 * llm_right / total, 2), "%",
           reference="rules alone, same run", reference_value=round(100 * rules_right / total, 2))
    return 1 if llm_right < rules_right else 0


if __name__ == "__main__":
    raise SystemExit(main())
