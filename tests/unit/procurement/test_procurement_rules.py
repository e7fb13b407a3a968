"""Pure procurement rules: formats, CNPJ/UF/row validation, tables, link state, comparison statistics, BDI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from licita.core.brazil import format_brl, format_date_br, format_number, format_percent
from licita.products.rules import check_code
from licita.quotes.rules import (
    Offer,
    above_estimate,
    bdi,
    bid_price,
    effective_pricing,
    item_stats,
    link_problem,
    looks_like_token,
    new_token,
    token_hash,
)
from licita.reports.rules import pdf_text, pipeline
from licita.suppliers.rules import SUPPLIER_COLUMNS, document_validity, money_value, resolve_columns, validate_row
from licita.suppliers.tabular import TableError, read_table, write_csv, write_xlsx

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def test_brazilian_formats() -> None:
    assert format_brl(1234.56) == "R$ 1.234,56" and format_brl(Decimal("0.5")) == "R$ 0,50"
    assert format_brl(-1234567.891) == "-R$ 1.234.567,89" and format_brl(None) == ""
    assert format_number(1200, 0) == "1.200" and format_percent(12.5) == "12,50%"
    assert format_date_br(date(2025, 1, 2)) == "02/01/2025"
    assert format_date_br(datetime(2025, 1, 2, 1, 0, tzinfo=UTC)) == "01/01/2025"  # Brasília is UTC−3


def test_supplier_rows_say_which_column_and_why() -> None:
    mapping, missing = resolve_columns(["cnpj", "razao_social", "uf", "avaliacao", "ativo"], SUPPLIER_COLUMNS)
    assert missing == []
    values, errors = validate_row({"cnpj": "11.222.333/0001-81", "razao_social": " Acme  Ltda ", "uf": "sp",
                                   "avaliacao": "4", "ativo": "Não"}, mapping)
    assert errors == [] and values == {"cnpj": "11222333000181", "legal_name": "Acme Ltda", "uf": "SP", "rating": 4,
                                       "active": False}
    _, errors = validate_row({"cnpj": "11222333000182", "razao_social": "", "uf": "XX", "avaliacao": "4,5",
                              "ativo": "talvez"}, mapping)
    assert [c for c, _ in errors] == ["CNPJ", "Razão social", "UF", "Avaliação", "Ativo"]
    assert "dígitos verificadores" in errors[0][1] and errors[1][1] == "campo obrigatório vazio"
    assert resolve_columns(["telefone"], SUPPLIER_COLUMNS)[1] == ["CNPJ", "Razão social"]


@pytest.mark.parametrize(("raw", "value"), [("1.234,56", "1234.56"), ("R$ 10,00", "10.00"), ("99.9", "99.9"),
                                            ("0", "0")])
def test_money_values(raw: str, value: str) -> None:
    assert money_value(raw) == Decimal(value)


@pytest.mark.parametrize("raw", ["abc", "-1", "1e20", "NaN"])
def test_money_rejects(raw: str) -> None:
    with pytest.raises(ValueError):
        money_value(raw)


def test_tables_round_trip_and_refuse_bad_files() -> None:
    csv_bytes = write_csv(["CNPJ", "Razão Social"], [["11.222.333/0001-81", "Ação; Ltda"]])
    table = read_table("x.csv", csv_bytes)
    assert table.headers == ["cnpj", "razao_social"] and table.rows == [
        (2, {"cnpj": "11.222.333/0001-81", "razao_social": "Ação; Ltda"})]
    xlsx = write_xlsx([("Aba", ["CNPJ", "Nome"], [[1, "A"], [None, None], [3, "C"]])])
    assert [n for n, _ in read_table("x.xlsx", xlsx).rows] == [2, 4]  # blank rows skipped, numbers kept
    assert read_table("x.csv", "cnpj;razao_social\n1;Ação\n".encode("cp1252")).rows[0][1]["razao_social"] == "Ação"
    for name, data in (("x.pdf", b"x"), ("x.xlsx", b"PK\x03\x04garbage"), ("x.csv", b"a\x00b"), ("x.csv", b"")):
        with pytest.raises(TableError):
            read_table(name, data)


def test_document_validity() -> None:
    today = date(2025, 6, 1)
    assert document_validity(None, today) == "undated"
    assert document_validity(date(2025, 5, 31), today) == "expired"
    assert document_validity(date(2025, 6, 30), today) == "expiring"
    assert document_validity(date(2025, 8, 1), today) == "valid"


def test_product_codes() -> None:
    assert check_code("ncm", "4802.56.10") == "48025610" and check_code("catmat", "150089") == "150089"
    assert check_code(None, None) is None
    for kind, code in (("ncm", "123"), (None, "123"), ("catser", "12345678901")):
        with pytest.raises(ValueError):
            check_code(kind, code)


def test_tokens_and_link_state() -> None:
    token = new_token()
    assert looks_like_token(token) and len(token_hash(token)) == 64 and token_hash(token) != token
    assert new_token() != token and not looks_like_token("../../etc") and not looks_like_token("a" * 10)
    later = NOW + timedelta(days=1)
    assert link_problem(revoked_at=None, expires_at=later, quote_status="OPEN", deadline_at=later, now=NOW) is None
    assert link_problem(revoked_at=NOW, expires_at=later, quote_status="OPEN", deadline_at=later, now=NOW)[1] == \
        "link_revoked"
    assert link_problem(revoked_at=None, expires_at=later, quote_status="CLOSED", deadline_at=later, now=NOW)[:2] == \
        (409, "quote_closed")
    expired = link_problem(revoked_at=None, expires_at=later, quote_status="OPEN", deadline_at=NOW, now=NOW)
    assert expired is not None and expired[:2] == (410, "quote_expired")


def offers(*prices: str) -> list[Offer]:
    return [Offer(f"l{i}", f"S{i}", Decimal(p)) for i, p in enumerate(prices)]


def test_comparison_statistics_and_outliers() -> None:
    stats = item_stats(offers("26", "24", "25", "90"))
    assert (stats.lowest, stats.median, stats.spread, stats.spread_pct) == (Decimal(24), Decimal("25.5"), Decimal(66),
                                                                             Decimal("275.00"))
    assert stats.outliers == {"l3"} and stats.suggested == "l1"
    low = item_stats(offers("100", "101", "99", "1"))  # a suspiciously low price is flagged and not suggested
    assert low.outliers == {"l3"} and low.suggested == "l2"
    assert item_stats(offers("10", "1000")).outliers == set()  # two prices: no basis to call either atypical
    same = item_stats(offers("10", "10", "10", "16"))  # MAD 0: more than 50 % off the median
    assert same.outliers == {"l3"}
    empty = item_stats([])
    assert empty.lowest is None and empty.suggested is None


def test_bdi_and_bid_prices() -> None:
    p = effective_pricing({"taxes_pct": 10, "margin_pct": 20}, None)
    assert bdi(p).quantize(Decimal("0.0001")) == Decimal("0.3333")
    assert bid_price(Decimal("24"), p) == Decimal("32.00") and bid_price(Decimal("29"), p) == Decimal("38.67")
    item = effective_pricing({"taxes_pct": 0, "margin_pct": 0}, {"freight_pct": 10})
    assert bid_price(Decimal("1.9"), item) == Decimal("2.09")
    assert effective_pricing(None, None)["margin_pct"] == Decimal(15)  # default when nothing is configured
    with pytest.raises(ValueError):
        bdi(effective_pricing({"taxes_pct": 100}, None))
    assert above_estimate(Decimal("2.09"), Decimal("2.00")) and not above_estimate(Decimal(2), Decimal(2))
    assert not above_estimate(Decimal(5), None)


def test_report_rules() -> None:
    assert pdf_text("“Nº 35” – ação…") == '"Nº 35" - ação...'
    assert pdf_text("x" * 10, 8) == "xxxxx..."
    summary = pipeline([{"status": "READY", "estimated_value": 10, "result": "Cotação concluída"},
                        {"status": "READY", "estimated_value": Decimal("5.5")}, {"status": "FAILED"}])
    assert summary["count"] == 3 and summary["total_value"] == Decimal("15.5")
    assert [(r.status, r.count) for r in summary["by_status"]] == [("READY", 2), ("FAILED", 1)]
    assert {r.status for r in summary["by_result"]} == {"Cotação concluída", "Sem cotação"}


def test_exports_never_turn_text_into_formulas() -> None:
    import io

    from openpyxl import load_workbook

    text = write_csv(["Nome"], [["=HYPERLINK(\"http://x\")"], ["@SUM(A1)"], ["-R$ 1,00"]]).decode("utf-8-sig")
    assert text.splitlines()[1:] == ["\"'=HYPERLINK(\"\"http://x\"\")\"", "'@SUM(A1)", "-R$ 1,00"]
    book = load_workbook(io.BytesIO(write_xlsx([("A", ["Nome", "N"], [["=1+1", 2], ["http://x", None]])])))
    sheet = book["A"]
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s" and sheet["B2"].value == 2
    assert sheet["A3"].hyperlink is None and sheet.freeze_panes == "A2"
