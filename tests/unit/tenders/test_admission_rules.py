"""The pipeline's second wall (licita.tenders.rules.admit): only the write create_upload signed is analysed."""

from __future__ import annotations

import pytest

from licita.tenders.rules import Intent, Observed, admit

KEY = "companies/c/tenders/t/edital.pdf"


def _intent(**kw: object) -> Intent:
    base: dict[str, object] = {"key": KEY, "content_type": "application/pdf", "expected_size": 1000,
                               "status": "PENDING"}
    return Intent(**{**base, **kw})  # type: ignore[arg-type]


def _seen(**kw: object) -> Observed:
    base: dict[str, object] = {"key": KEY, "size": 1000, "etag": "abc", "content_type": "application/pdf"}
    return Observed(**{**base, **kw})  # type: ignore[arg-type]


def test_the_signed_upload_is_admitted_and_consumes_the_intent() -> None:
    verdict = admit(_intent(), _seen(), bound_etag=None, reanalyze=False)
    assert verdict.accepted and verdict.code == "upload" and verdict.consumes_intent


def test_undeclared_size_accepts_any_size_and_content_type_parameters_are_ignored() -> None:
    verdict = admit(_intent(expected_size=None), _seen(size=5, content_type="Application/PDF; charset=binary"),
                    bound_etag=None, reanalyze=False)
    assert verdict.accepted


@pytest.mark.parametrize(("intent", "seen", "code"), [
    (None, _seen(), "no_upload_intent"),
    (_intent(), _seen(size=1001), "size_mismatch"),
    (_intent(), _seen(content_type="text/html"), "content_type_mismatch"),
    (_intent(), _seen(content_type=None), "content_type_mismatch"),
    (_intent(status="EXPIRED"), _seen(), "upload_intent_closed"),
    (_intent(status="CONSUMED", consumed_etag="other"), _seen(), "object_replaced"),
    (_intent(key="companies/c/tenders/t/outro.pdf"), _seen(), "key_mismatch"),
])
def test_anything_else_is_refused_with_a_reason(intent: Intent | None, seen: Observed, code: str) -> None:
    verdict = admit(intent, seen, bound_etag=None, reanalyze=False)
    assert not verdict.accepted and verdict.code == code and verdict.reason
    assert not verdict.consumes_intent


def test_an_overwrite_of_an_accepted_object_is_refused_even_for_a_reanalysis() -> None:
    for reanalyze in (False, True):
        verdict = admit(_intent(status="CONSUMED", consumed_etag="abc"), _seen(etag="evil"), bound_etag="abc",
                        reanalyze=reanalyze)
        assert not verdict.accepted and verdict.code == "object_replaced" and "evil" in verdict.reason


def test_the_accepted_version_again_is_a_redelivery_or_a_reanalysis() -> None:
    assert admit(None, _seen(etag='"abc"'), bound_etag="abc", reanalyze=False).code == "redelivery"
    assert admit(None, _seen(), bound_etag="abc", reanalyze=True).code == "reanalysis"
    consumed = _intent(status="CONSUMED", consumed_etag="abc")
    verdict = admit(consumed, _seen(), bound_etag=None, reanalyze=False)
    assert verdict.accepted and verdict.code == "redelivery" and not verdict.consumes_intent
