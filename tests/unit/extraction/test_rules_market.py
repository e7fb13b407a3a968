"""ME/EPP rule, platform and legal basis."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, fields

HEAD = "EDITAL\nPREGÃO ELETRÔNICO Nº 4/2025\nLei nº 14.133/2021\n"


ME_EPP = [
    ("Item exclusivo para ME/EPP: NÃO", "none"),
    ("Não haverá itens exclusivos para microempresas neste certame.", "none"),
    ("A participação será exclusiva para microempresas e empresas de pequeno porte.", "exclusive"),
    ("Os itens serão destinados exclusivamente à participação de ME/EPP.", "exclusive"),
    ("Os itens 1, 3 e 5 são exclusivos para ME/EPP.", "mixed"),
    ("LOTE 1 - EXCLUSIVO ME/EPP\nLOTE 2 - AMPLA PARTICIPAÇÃO", "mixed"),
    ("Fica reservada cota de até 25% do objeto para ME/EPP (cota reservada).", "reserved_quota"),
    ("", "none"),
    # conditional model text is not a rule
    ("Caso seja adotada a participação exclusiva para ME/EPP, os licitantes declararão o porte.", "none"),
]
PLATFORMS = [
    ("Local: www.licitardigital.com.br", "other"),
    ("Sessão no site do leiloeiro www.exemplo.lel.br", "other"),
    ("Plataforma: www.bnccompras.com", "bnc"),
    ("Portal de Compras Públicas (www.portaldecompraspublicas.com.br)", "portal_compras_publicas"),
    ("Sistema Licitações-e do Banco do Brasil", "licitacoes_e"),
    ("Bolsa de Licitações do Brasil – BLL", "bll"),
    ("Sistema de Compras do Governo Federal (www.gov.br/compras)", "comprasgov"),
    # issue 12: the usual wordings of each system
    ("A sessão será realizada no Sistema de Pregão Eletrônico do Banco do Brasil.", "licitacoes_e"),
    ("por meio da plataforma de licitações do Banco do Brasil S.A.", "licitacoes_e"),
    ("Endereço eletrônico: https://licitacoes-e2.bb.com.br", "licitacoes_e"),
    ("O pagamento será feito por depósito no Banco do Brasil S.A., agência 1234.", None),
    ("Portal de Compras do Governo Federal – Compras.gov.br", "comprasgov"),
    ("Local: Compras . gov . br", "comprasgov"),
    ("Portal Compras do Governo Federal", "comprasgov"),
    ("Local: Portal Compras Públicas", "portal_compras_publicas"),
    ("BBM – Bolsa Brasileira de Mercadorias (plataforma de licitações)", "bbmnet"),
    ("Bolsa Eletrônica de Compras do Estado de São Paulo", "other"),
    ("Sistema: www.compras.mg.gov.br", "other"),
    ("Bolsa de Licitações e Leilões (BLL Compras)", "bll"),
    ("Bolsa Nacional de Compras – BNC", "bnc"),
    ("Local: www.licitanet.com.br", "licitanet"),
    ("Licitar Digital (www.licitardigital.com.br)", "other"),
    ("Plataforma: novobbmnet.com.br", "bbmnet"),
]


@pytest.mark.parametrize(("field", "line", "value"),
                         [("me_epp", *case) for case in ME_EPP] + [("platform", *case) for case in PLATFORMS])
def test_one_line_sets_the_field(field: str, line: str, value: str | None) -> None:
    assert fields(HEAD + line + FILLER)[field] == value


def test_auction_has_no_me_epp_rule() -> None:
    values = fields("EDITAL DE LEILÃO Nº 1/2025\nna MODALIDADE DE LEILÃO, do tipo maior lance" + FILLER)
    assert values["me_epp"] is None
    assert values["award_criterion"] == "maior_lance"


def test_presencial_session_has_no_own_platform() -> None:
    values = fields("EDITAL\nPREGÃO PRESENCIAL Nº 2/2025\nenviar a proposta no sistema do órgão" + FILLER)
    assert values["platform"] is None


def test_state_company_law_is_other() -> None:
    values = fields("EDITAL\nLICITAÇÃO Nº 1/2025\nna forma da Lei 13.303, de 30/06/2016, e do Regulamento de "
                    "Licitações e Contratos da Empresa" + FILLER)
    assert values["legal_basis"] == "other"


def test_srp_prefixes_the_object() -> None:
    values = fields(HEAD + "realizará licitação para registro de preços\n1. DO OBJETO\n1.1. O objeto da presente "
                    "licitação é a aquisição de material de limpeza para as escolas." + FILLER)
    assert values["srp"] is True
    assert str(values["object"]).startswith("Registro de preços para aquisição de material de limpeza")


def test_object_keeps_its_first_letter_after_a_double_space() -> None:
    values = fields(HEAD + "DO OBJETO\nO objeto da presente licitação é  Aquisição de material de higiene." + FILLER)
    assert str(values["object"]).startswith("Aquisição de material de higiene")


def test_object_under_a_heading_with_numbered_clause() -> None:
    values = fields("EDITAL DE LEILÃO Nº 2/2019\n3. DO OBJETO.\n\n3.1. A realização de LEILÃO para alienação do "
                    "imóvel do antigo mercado municipal, conforme Anexo I." + FILLER)
    assert "alienação do imóvel do antigo mercado" in str(values["object"])


@pytest.mark.parametrize(("cover", "srp"), [
    ("PREGÃO ELETRÔNICO SRP Nº 5/2025", True),  # the abbreviation as covers print it
    ("Pregão Eletrônico Nº 00012/2024 (SRP)", True),  # ComprasNet's reports
    ("Sistema de Registro de Preços: NÃO", False),  # a cover label answered no
    ("SRP? Não", False),
    ("Este pregão não é SRP.", False),
    ("Aquisição imediata de materiais de limpeza.", False),
])
def test_srp_from_the_cover(cover: str, srp: bool) -> None:
    assert fields("EDITAL\nLei nº 14.133/2021\n" + cover + FILLER)["srp"] is srp


def test_a_unit_value_with_four_decimals_is_not_the_estimated_total() -> None:
    items = ("Resultado da Homologação\n"
             + "".join(f"Item: {n}\nDescrição: REAGENTE {n}\nQuantidade: {10 * n}\nUnidade de fornecimento: FRASCO\n"
                       f"Valor Estimado: R$ 12,5000\nSituação: Homologado\n" for n in (1, 2, 3)))
    head = "TERMO DE HOMOLOGAÇÃO\nPREGÃO ELETRÔNICO Nº 12/2024\n"
    values = fields(head + items + FILLER)
    assert values["items_count"] == 3 and values["estimated_value"] is None
    stated = fields(head + "O valor total estimado da contratação é de R$ 375,00.\n" + items + FILLER)
    assert stated["estimated_value"] == 375.0
