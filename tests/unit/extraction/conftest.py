"""Fixtures for the extraction tests: generated PDFs/DOCX (always available) and the dev set (optional)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
TENDERS_DIR = REPO_ROOT.parent / "shared" / "data" / "tenders"


@pytest.fixture
def make_pdf() -> Callable[..., bytes]:
    """Build a PDF whose pages carry the given texts (one string per page)."""
    import pymupdf

    def build(*pages: str, encrypt: bool = False) -> bytes:
        doc = pymupdf.open()
        for text in pages:
            page = doc.new_page()
            y = 50.0
            for line in text.splitlines():
                page.insert_text((40, y), line, fontsize=9)
                y += 12
        buf = io.BytesIO()
        if encrypt:
            doc.save(buf, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="segredo", owner_pw="dono")
        else:
            doc.save(buf)
        return buf.getvalue()

    return build


@pytest.fixture
def make_docx() -> Callable[..., bytes]:
    """Build a DOCX from a list of blocks: a str is a paragraph, a list of rows is a table."""
    import docx

    def build(blocks: list[str | list[list[str]]], header: str | None = None) -> bytes:
        document = docx.Document()
        if header:
            document.sections[0].header.paragraphs[0].text = header
        for block in blocks:
            if isinstance(block, str):
                document.add_paragraph(block)
            else:
                table = document.add_table(rows=len(block), cols=len(block[0]))
                for r, row in enumerate(block):
                    for col, value in enumerate(row):
                        table.cell(r, col).text = value
        buf = io.BytesIO()
        document.save(buf)
        return buf.getvalue()

    return build


EDITAL_PAGE_1 = """PREFEITURA MUNICIPAL DE EXEMPLO
CNPJ 44.430.783/0001-19
PREGÃO ELETRÔNICO Nº 012/2025
PROCESSO ADMINISTRATIVO Nº 345/2025
Torna-se público que a Prefeitura Municipal de Exemplo realizará licitação, para
REGISTRO DE PREÇOS, na modalidade PREGÃO, na forma ELETRÔNICA, com critério de
julgamento MENOR PREÇO POR ITEM, modo de disputa ABERTO, nos termos da Lei nº 14.133/2021.
1. DO OBJETO
1.1. O objeto da presente licitação é a aquisição de material de limpeza e higiene, conforme
condições do Termo de Referência.
Abertura da sessão pública: 19/11/2025 às 09h30 (horário de Brasília)
Local: www.bll.org.br - Bolsa de Licitações e Leilões
O valor total estimado da contratação é de R$ 12.345,67 (doze mil reais).
Item exclusivo para ME/EPP: NÃO"""

EDITAL_PAGE_2 = """ANEXO I - TERMO DE REFERÊNCIA
Item
Descrição
Unidade
Quantidade
1
DETERGENTE LÍQUIDO NEUTRO 500 ML
Unidade
100
2
SABÃO EM PÓ 1 KG
Unidade
50
3
ÁGUA SANITÁRIA 1 LITRO
Unidade
80
4. DAS SANÇÕES
4.1. Multa moratória de 0,5% por dia de atraso, até o limite de 20% do valor do contrato.
4.2. Será exigida garantia contratual de 5% (cinco por cento) do valor do contrato.
4.3. A visita técnica é obrigatória."""


@pytest.fixture
def edital_pdf(make_pdf: Callable[..., bytes]) -> bytes:
    return make_pdf(EDITAL_PAGE_1, EDITAL_PAGE_2)
