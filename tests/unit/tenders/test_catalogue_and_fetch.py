"""One field catalogue (extraction.models) behind the API and the LLM schema; download rules on the storage fake."""

from __future__ import annotations

import uuid

import pytest

from licita.extraction import models as catalogue
from licita.extraction.llm import schema as llm_schema
from licita.platform.storage import MemoryStorage
from licita.tenders import fields
from licita.tenders.analysis.fetch import download, prefetch, sniff
from licita.tenders.analysis.results import Failure
from licita.tenders.uploads import UploadedObject


def test_api_and_llm_use_the_engine_catalogue() -> None:
    assert tuple(fields.FIELD_SPECS) == catalogue.FIELD_NAMES == llm_schema.FIELD_NAMES
    assert llm_schema.VOCABULARIES is catalogue.VOCABULARIES
    for spec in llm_schema.FIELD_SPECS:
        if spec.kind == "enum":
            assert spec.vocabulary == catalogue.VOCABULARIES[spec.name]
    assert set(fields.MODALITY_LABELS) == set(catalogue.MODALITIES)
    # every vocabulary value is a valid correction, and nothing else
    for name, values in catalogue.VOCABULARIES.items():
        for value in values:
            assert fields.convert_field(name, value.upper()) == value
        with pytest.raises(ValueError):
            fields.convert_field(name, "nada_disso")


def _obj(key: str, size: int) -> UploadedObject:
    return UploadedObject("b", key, size, "", uuid.uuid4(), uuid.uuid4(), key.rsplit("/", 1)[-1])


def test_download_reads_the_accepted_version_within_the_limit() -> None:
    store = MemoryStorage()
    info = store.put_bytes("k/edital.pdf", b"%PDF-1.7 data", content_type="application/pdf")
    timings: dict[str, float] = {}
    data, size = download(store, _obj("k/edital.pdf", info.size), timings, info.etag)
    assert data == b"%PDF-1.7 data" and size == 13 and "download" in timings


@pytest.mark.parametrize(("content", "declared", "etag", "code"), [
    (None, 10, None, "file_missing"),
    (b"", 0, None, "empty_file"),
    (b"%PDF" + b"0" * 200, 204, None, "file_too_large"),
    (b"%PDF-1.7", 8, "not-this-one", "file_replaced"),
])
def test_download_failures_are_permanent_and_readable(monkeypatch: pytest.MonkeyPatch, content: bytes | None,
                                                      declared: int, etag: str | None, code: str) -> None:
    monkeypatch.setattr("licita.tenders.analysis.fetch.max_upload_bytes", lambda: 100)
    store = MemoryStorage()
    if content is not None:
        store.put_bytes("k/edital.pdf", content, content_type="application/pdf")
    with pytest.raises(Failure) as caught:
        download(store, _obj("k/edital.pdf", min(declared, 100)), {}, etag)
    assert caught.value.code == code and caught.value.message


def test_a_prefetched_read_is_used_only_for_the_version_the_claim_admitted() -> None:
    store = MemoryStorage()
    first = store.put_bytes("k/edital.pdf", b"%PDF-1.7 first", content_type="application/pdf")
    early = prefetch(store, _obj("k/edital.pdf", first.size))
    assert early is not None and early.result().data == b"%PDF-1.7 first"
    assert download(store, _obj("k/edital.pdf", first.size), {}, first.etag, early)[0] == b"%PDF-1.7 first"
    second = store.put_bytes("k/edital.pdf", b"%PDF-1.7 second", content_type="application/pdf")  # replaced
    # the claim admitted the new version after the early read: the object is read again, not the stale bytes
    assert download(store, _obj("k/edital.pdf", second.size), {}, second.etag, early)[0] == b"%PDF-1.7 second"


def test_a_failed_prefetch_is_judged_on_a_fresh_read(monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryStorage()
    early = prefetch(store, _obj("k/edital.pdf", 10))  # not there yet: the early read fails
    assert early is not None and isinstance(early.exception(), Exception)
    info = store.put_bytes("k/edital.pdf", b"%PDF-1.7 data", content_type="application/pdf")
    assert download(store, _obj("k/edital.pdf", info.size), {}, info.etag, early)[0] == b"%PDF-1.7 data"
    store.delete_many(["k/edital.pdf"])
    with pytest.raises(Failure) as caught:  # and a fresh read that fails is the run's failure
        download(store, _obj("k/edital.pdf", info.size), {}, info.etag, early)
    assert caught.value.code == "file_missing"
    monkeypatch.setattr("licita.tenders.analysis.fetch.max_upload_bytes", lambda: 5)
    assert prefetch(store, _obj("k/edital.pdf", 10)) is None  # never read early what the limit refuses


def test_sniff_trusts_magic_bytes_not_the_name() -> None:
    assert sniff(b"%PDF-1.4 ...", "edital.pdf") == "pdf"
    assert sniff(b"PK\x03\x04...", "edital.docx") == "docx"
    with pytest.raises(Failure, match="conteúdo é ZIP"):
        sniff(b"PK\x03\x04...", "edital.pdf")
    with pytest.raises(Failure) as caught:
        sniff(b"<html>", "edital.pdf")
    assert caught.value.code == "content_mismatch"


def test_memory_storage_behaves_like_the_adapter() -> None:
    store = MemoryStorage()
    store.put_bytes("companies/c/tenders/t/a.pdf", b"a", content_type="application/pdf")
    store.put_bytes("companies/c/tenders/t/b.pdf", b"b", content_type="application/pdf")
    store.put_bytes("companies/c/tenders/u/c.pdf", b"c", content_type="application/pdf")
    post = store.presign_post("companies/c/tenders/t/a.pdf", content_type="application/pdf", min_size=1,
                              max_size=10, expires_in=60)
    assert post.fields["key"].endswith("a.pdf") and post.fields["Content-Type"] == "application/pdf"
    assert store.delete_many(["x"], prefix="companies/c/tenders/t/") == [
        "companies/c/tenders/t/a.pdf", "companies/c/tenders/t/b.pdf", "x"]
    assert store.head("companies/c/tenders/t/a.pdf") is None and store.head("companies/c/tenders/u/c.pdf")
