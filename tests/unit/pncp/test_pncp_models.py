"""Tolerant parsing: wrong types, nulls, zero = secret, Brasília timestamps, identifiers, magic bytes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from licita.platform.pncp import SAO_PAULO, Compra, CompraRef, Item, Resultado, sniff, split_window
from licita.platform.pncp.models import to_bool, to_datetime, to_decimal, to_int

BASE = {
    "numeroControlePNCP": "46395000000139-1-000042/2025",
    "anoCompra": 2025, "sequencialCompra": 42,
    "orgaoEntidade": {"cnpj": "46395000000139", "razaoSocial": "MUNICIPIO DE SAO PAULO"},
    "unidadeOrgao": {"ufSigla": "SP", "codigoIbge": "3550308", "municipioNome": "São Paulo"},
    "modalidadeId": 6, "situacaoCompraId": 1, "valorTotalEstimado": 8547.48, "srp": False,
    "dataPublicacaoPncp": "2025-06-30T11:23:44", "dataAtualizacaoGlobal": "2025-09-16T19:42:52",
}


def test_ref_roundtrip_and_public_url() -> None:
    ref = CompraRef.parse("46395000000139-1-000042/2025")
    assert (ref.cnpj, ref.ano, ref.sequencial) == ("46395000000139", 2025, 42)
    assert ref.numero_controle == "46395000000139-1-000042/2025"
    assert ref.public_url == "https://pncp.gov.br/app/editais/46395000000139/2025/42"
    with pytest.raises(ValueError):
        CompraRef.parse("46395000000139-2-000042/2025")  # a contract, not a compra


def test_compra_wrong_types_are_coerced() -> None:
    raw = {**BASE, "anoCompra": "2025", "sequencialCompra": "42", "modalidadeId": "6", "situacaoCompraId": "1",
           "valorTotalEstimado": "8547.48", "srp": "false", "orgaoEntidade": None, "unidadeOrgao": None}
    c = Compra.from_json(raw)
    assert (c.ano, c.sequencial, c.modalidade_id, c.situacao_id) == (2025, 42, 6, 1)
    assert c.valor_total_estimado == Decimal("8547.48") and c.srp is False
    assert c.cnpj == "46395000000139"  # recovered from numeroControlePNCP
    assert c.uf is None


def test_zero_estimate_means_secret() -> None:
    c = Compra.from_json({**BASE, "valorTotalEstimado": 0})
    assert c.valor_total_estimado is None and c.valor_estimado_sigiloso
    c2 = Compra.from_json({**BASE, "valorTotalEstimado": "0.0"})
    assert c2.valor_estimado_sigiloso
    assert not Compra.from_json(BASE).valor_estimado_sigiloso


def test_item_secret_and_placeholder() -> None:
    secret = Item.from_json({"numeroItem": "1", "valorUnitarioEstimado": 0, "orcamentoSigiloso": True})
    assert secret.valor_unitario_estimado is None and secret.valor_estimado_sigiloso
    placeholder = Item.from_json({"numeroItem": 2, "valorUnitarioEstimado": "0.01", "valorTotal": 1})
    assert placeholder.valor_unitario_estimado is None and placeholder.valor_estimado_placeholder
    normal = Item.from_json({"numeroItem": 3, "valorUnitarioEstimado": "1.234,56", "situacaoCompraItem": "2",
                             "tipoBeneficio": 3})
    assert normal.valor_unitario_estimado == Decimal("1234.56") and normal.homologado and normal.me_epp_friendly


def test_naive_timestamps_are_sao_paulo() -> None:
    c = Compra.from_json(BASE)
    assert c.data_publicacao is not None
    assert c.data_publicacao.tzinfo is not None
    assert c.data_publicacao.utcoffset() == timedelta(hours=-3)
    assert c.data_publicacao == datetime(2025, 6, 30, 11, 23, 44, tzinfo=SAO_PAULO)
    assert to_datetime("2025-06-30T14:23:44Z") == c.data_publicacao
    assert to_datetime("2025-06-30T11:23:44.123") is not None
    assert to_datetime("garbage") is None


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("12", 12), (12.0, 12), ("12.0", 12),
                                                 ("x", None), (True, 1)])
def test_to_int(value: object, expected: int | None) -> None:
    assert to_int(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("1.234,56", Decimal("1234.56")), ("R$ 10,00", Decimal("10.00")),
                                                 (0.1, Decimal("0.1")), ("nan", None), (float("inf"), None)])
def test_to_decimal(value: object, expected: Decimal | None) -> None:
    assert to_decimal(value) == expected


def test_to_bool() -> None:
    assert [to_bool(v) for v in ("true", "S", 1, "false", "N", 0, None, "?")] == [
        True, True, True, False, False, False, None, None]


def test_resultado_parses_date_only() -> None:
    r = Resultado.from_json({"dataResultado": "2024-09-10", "valorUnitarioHomologado": "0.9234"})
    assert r.data_resultado == date(2024, 9, 10) and r.valor_unitario_homologado == Decimal("0.9234")


def test_sniff_magic_bytes() -> None:
    assert sniff(b"PK\x03\x04rest")[0] == "zip"
    assert sniff(b"%PDF-1.4")[0] == "pdf"
    assert sniff(b"<html>")[0] == "unknown"


def test_split_window() -> None:
    parts = split_window(date(2025, 1, 1), date(2025, 3, 5), 31)
    assert parts[0] == (date(2025, 1, 1), date(2025, 1, 31))
    assert parts[-1][1] == date(2025, 3, 5)
    assert all((b - a).days < 31 for a, b in parts)
    assert split_window(date(2025, 1, 1), date(2025, 1, 1), 31) == [(date(2025, 1, 1), date(2025, 1, 1))]
