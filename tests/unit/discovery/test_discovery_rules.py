"""Pure discovery and vault rules: the keyword language, synonyms, prefix variant, highlight re-accenting,
change detection and the vault check."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from licita.discovery import rules
from licita.vault import rules as vault


def test_query_language_and_or_phrase_exclusion() -> None:
    parsed = rules.parse_query('notebook OR laptop "ar condicionado" -usado -"locação de"')
    assert [([a.text for a in c.alternatives], c.exclude) for c in parsed.clauses] == [
        (["notebook", "laptop"], False), (["ar condicionado"], False), (["usado"], True), (["locação de"], True)]


@pytest.mark.parametrize("query", ["-usado", '"aberta', "", "   ", "x\x00"])
def test_unusable_queries_are_refused(query: str) -> None:
    with pytest.raises(rules.QueryError):
        rules.parse_query(query)


def test_synonyms_expand_both_builtin_and_company_keeping_spelling() -> None:
    table = rules.synonym_table({"Resma": ["Papel A4"]})
    expanded = rules.expand(rules.parse_query("resma notebook"), table)
    first = [(a.text, a.synonym_of) for a in expanded.clauses[0].alternatives]
    assert first == [("resma", None), ("Papel A4", "resma")]
    assert ("laptop", "notebook") in [(a.text, a.synonym_of) for a in expanded.clauses[1].alternatives]


def test_expansion_is_bounded() -> None:
    many = {f"t{i}": [f"s{i}-{j}" for j in range(10)] for i in range(10)}
    with pytest.raises(rules.QueryError):
        rules.expand(rules.parse_query(" ".join(many)), rules.synonym_table(many))


def test_prefix_variant_reconciles_plurals_and_missing_accents() -> None:
    assert rules.prefix_query("Licitações") == rules.prefix_query("licitacao") == "licita:*"
    assert rules.prefix_query("notebook") == "notebook:*"
    assert rules.prefix_query("locação de veículos") == "locaca:* <2> veiculo:*"  # stop words keep their gap
    assert rules.prefix_query("de da") == ""
    assert all(ch.isalnum() or ch in ":*<>- " for ch in rules.prefix_query("x'); DROP TABLE --"))


def test_reaccent_moves_marks_back_to_the_original_text() -> None:
    assert rules.reaccent("Aquisicao de [[computadores]] portateis", "Aquisição de computadores portáteis") == \
        "Aquisição de «computadores» portáteis"
    assert rules.fold("  AÇÃO  Pública ") == "acao publica"
    assert len(rules.ACCENTED) == len(rules.PLAIN)


def test_header_changes_situacao_resumed_dates_value_object() -> None:
    before = {"situacao_id": 4, "data_abertura_proposta": datetime(2025, 12, 1, 12, tzinfo=UTC),
              "data_encerramento_proposta": None, "valor_total_estimado": Decimal("100.00"), "objeto": "A"}
    after = {**before, "situacao_id": 1, "data_abertura_proposta": datetime(2025, 12, 5, 12, tzinfo=UTC),
             "valor_total_estimado": Decimal("100.0"), "objeto": "B"}
    changes = rules.header_changes(before, after, "stamp")
    assert [c.kind for c in changes] == ["situacao", "dates", "object"]
    assert "retomada" in changes[0].message
    assert "05/12/2025" in changes[1].message


def test_documents_that_point_to_a_new_version() -> None:
    assert rules.document_change(3, "ERRATA nº 1", 16, "Outros") is not None
    assert rules.document_change(4, "12345678901234567890", 2, "Edital") is not None
    assert rules.document_change(5, "98765432109876543210", 16, "Outros Documentos") is None
    assert rules.notable_document("Pedido de Impugnação", None)


def test_vault_check_missing_and_expiring_before_the_session() -> None:
    reqs = [{"kind": "regularidade_fiscal", "description": "Regularidade fiscal"}, {"kind": "fgts"},
            {"kind": "sicaf"}]
    docs = [{"id": 1, "kind": "cnd_federal", "title": "CND", "expires_on": date(2026, 1, 30)},
            {"id": 2, "kind": "fgts", "title": "CRF", "expires_on": date(2025, 12, 10)}]
    out = vault.check(reqs, docs, session_day=date(2025, 12, 20), today=date(2025, 12, 1))
    assert [e["kind"] for e in out["ok"]] == ["cnd_federal"]
    assert {e["kind"] for e in out["missing"]} == {"estadual", "municipal"}
    assert [(e["kind"], e["reason"]) for e in out["expiring"]] == [("fgts", "vence antes da sessão")]


def test_vault_reminders_fire_once_at_the_nearest_threshold() -> None:
    today = date(2025, 12, 1)
    assert vault.due_reminder(date(2025, 12, 4), today, {}) == 7
    assert vault.due_reminder(date(2025, 12, 4), today, {"7d": "x"}) is None
    assert vault.due_reminder(date(2025, 12, 2), today, {"7d": "x"}) == 1
    assert vault.due_reminder(date(2026, 3, 1), today, {}) is None
    assert vault.due_reminder(date(2025, 11, 30), today, {}) is None


def test_migration_folds_accents_with_the_same_map() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "shared/licita/platform/db/migrations/versions/0007_discovery.py"
    spec = importlib.util.spec_from_file_location("m0007", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (module.ACCENTED, module.PLAIN) == (rules.ACCENTED, rules.PLAIN)
