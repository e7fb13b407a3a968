"""Deterministic PNCP-shaped data: compras, items, results, documents (ZIP editais with a PDF), history.

Everything derives from ``seed`` and the compra's ``numeroControlePNCP``, so items/documents can be produced
lazily (10,000 compras cost a few MB until their items are asked for).
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date, datetime, timedelta
from typing import Any

MODALIDADES = {
    1: "Leilão - Eletrônico", 2: "Diálogo Competitivo", 3: "Concurso", 4: "Concorrência - Eletrônica",
    5: "Concorrência - Presencial", 6: "Pregão - Eletrônico", 7: "Pregão - Presencial", 8: "Dispensa",
    9: "Inexigibilidade", 10: "Manifestação de Interesse", 11: "Pré-qualificação", 12: "Credenciamento",
    13: "Leilão - Presencial",
}
MODALIDADE_WEIGHTS = {6: 52, 8: 22, 9: 8, 4: 7, 7: 3, 12: 3, 5: 2, 1: 1, 3: 1, 13: 1}
SITUACAO_COMPRA = {1: "Divulgada no PNCP", 2: "Revogada", 3: "Anulada", 4: "Suspensa"}
SITUACAO_ITEM = {1: "Em Andamento", 2: "Homologado", 3: "Anulado/Revogado/Cancelado", 4: "Deserto", 5: "Fracassado"}
MODO_DISPUTA = {1: "Aberto", 2: "Fechado", 3: "Aberto-Fechado", 4: "Dispensa Com Disputa", 5: "Não se aplica",
                6: "Fechado-Aberto"}
CRITERIO = {1: "Menor preço", 2: "Maior desconto", 4: "Técnica e preço", 5: "Maior lance"}
BENEFICIO = {1: "Participação exclusiva para ME/EPP", 2: "Subcontratação para ME/EPP",
             3: "Cota reservada para ME/EPP", 4: "Sem benefício", 5: "Não se aplica"}
TIPO_DOCUMENTO = {1: "Aviso de Contratação Direta", 2: "Edital", 3: "Minuta do Contrato", 4: "Termo de Referência",
                  5: "Anteprojeto", 6: "Projeto Básico", 7: "Estudo Técnico Preliminar", 8: "Projeto Executivo",
                  9: "Mapa de Riscos", 10: "DFD", 11: "Ata de Registro de Preço", 16: "Outros Documentos"}
TIPO_LOG = {0: "Inclusão", 1: "Retificação", 2: "Exclusão"}
CATEGORIA_LOG = {1: "Compra", 2: "Item de Compra", 3: "Resultado de Item", 4: "Documento de Compra"}  # (?) ids

LOCAIS = [
    ("SP", "São Paulo", "São Paulo", "3550308"), ("SP", "São Paulo", "Campinas", "3509502"),
    ("SP", "São Paulo", "Americana", "3501608"), ("RJ", "Rio de Janeiro", "Rio de Janeiro", "3304557"),
    ("RJ", "Rio de Janeiro", "Cabo Frio", "3300704"), ("MG", "Minas Gerais", "Belo Horizonte", "3106200"),
    ("MG", "Minas Gerais", "Uberlândia", "3170206"), ("ES", "Espírito Santo", "Vitória", "3205309"),
    ("BA", "Bahia", "Salvador", "2927408"), ("BA", "Bahia", "Dom Macedo Costa", "2910305"),
    ("GO", "Goiás", "Goiânia", "5208707"), ("DF", "Distrito Federal", "Brasília", "5300108"),
    ("PR", "Paraná", "Curitiba", "4106902"), ("RS", "Rio Grande do Sul", "Porto Alegre", "4314902"),
    ("PE", "Pernambuco", "Recife", "2611606"), ("CE", "Ceará", "Fortaleza", "2304400"),
    ("AM", "Amazonas", "Manaus", "1302603"), ("PA", "Pará", "Belém", "1501402"),
]
PRODUTOS = [
    ("Água mineral natural, garrafa 500 ml", "Garrafa", 0.95), ("Papel A4 75 g/m², resma 500 folhas", "Resma", 27.5),
    ("Café torrado e moído, pacote 500 g", "Pacote", 18.9), ("Notebook 14 pol., 16 GB RAM, SSD 512 GB", "Unidade",
    4890.0), ("Cadeira giratória ergonômica", "Unidade", 780.0), ("Luva de procedimento nitrílica, caixa 100",
    "Caixa", 32.0), ("Dipirona sódica 500 mg, comprimido", "Comprimido", 0.12), ("Óleo diesel S10", "Litro", 6.1),
    ("Gasolina comum", "Litro", 6.3), ("Pneu 175/70 R14", "Unidade", 420.0), ("Toner para impressora laser",
    "Unidade", 310.0), ("Detergente líquido neutro 500 ml", "Frasco", 2.4), ("Merenda escolar: arroz tipo 1, 5 kg",
    "Pacote", 27.0), ("Cimento Portland CP II 50 kg", "Saco", 38.0), ("Ar-condicionado split 12.000 BTU",
    "Unidade", 2650.0), ("Serviço de manutenção predial", "Mês", 18500.0), ("Serviço de limpeza e conservação",
    "Mês", 42000.0), ("Locação de veículo tipo pick-up", "Diária", 320.0), ("Seguro total de veículo", "Unidade",
    3900.0), ("Serviço de dedetização e desratização", "Serviço", 2100.0),
]
OBJETOS = [
    "Aquisição de {p} para atender às necessidades da {s}",
    "Registro de preços para eventual aquisição de {p}, conforme Termo de Referência",
    "Contratação de empresa especializada para fornecimento de {p} à {s}",
    "Contratação de serviços de {p} para a {s}, pelo período de 12 meses",
]
SETORES = ["Secretaria Municipal de Saúde", "Secretaria Municipal de Educação", "Secretaria de Administração",
           "Secretaria de Obras e Serviços Urbanos", "Câmara Municipal", "Fundo Municipal de Assistência Social"]
ORGAOS_NOMES = ["MUNICIPIO DE {m}", "CAMARA MUNICIPAL DE {m}", "FUNDO MUNICIPAL DE SAUDE DE {m}",
                "SERVICO AUTONOMO DE AGUA E ESGOTO DE {m}", "INSTITUTO DE PREVIDENCIA DE {m}"]
FORNECEDORES = ["DISTRIBUIDORA ALFA LTDA", "COMERCIAL BETA EIRELI", "GAMA SERVICOS E COMERCIO LTDA",
                "DELTA TECNOLOGIA LTDA", "EPSILON MATERIAIS DE ESCRITORIO ME", "ZETA ALIMENTOS EPP"]

TS = "%Y-%m-%dT%H:%M:%S"


def cnpj_check_digits(base12: str) -> str:
    """The two check digits of a CNPJ (so generated CNPJs validate like real ones)."""
    digits = [int(c) for c in base12]
    for weights in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        total = sum(d * w for d, w in zip(digits, weights, strict=False))
        rest = total % 11
        digits.append(0 if rest < 2 else 11 - rest)
    return base12 + "".join(str(d) for d in digits[12:])


def minimal_pdf(lines: list[str]) -> bytes:
    """A small valid one-page PDF with the given text lines (Helvetica, WinAnsi; non-Latin-1 replaced)."""
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 12 Tf", "14 TL", "50 780 Td"]
    for line in lines:
        ops.append(f"({esc(line)}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    """A deterministic ZIP (fixed timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def edital_lines(compra: dict[str, Any], titulo: str) -> list[str]:
    unidade = compra.get("unidadeOrgao") or {}
    orgao = compra.get("orgaoEntidade") or {}
    return [
        str(titulo).upper(),
        f"{orgao.get('razaoSocial', '')}",
        f"{compra.get('modalidadeNome', '')} n. {compra.get('numeroCompra', '')}/{compra.get('anoCompra', '')}",
        f"Processo: {compra.get('processo', '')}",
        f"Objeto: {str(compra.get('objetoCompra', ''))[:90]}",
        f"Abertura das propostas: {compra.get('dataAberturaProposta', '')}",
        f"Encerramento das propostas: {compra.get('dataEncerramentoProposta', '')}",
        f"Valor estimado: {compra.get('valorTotalEstimado', '')}",
        f"Local: {unidade.get('municipioNome', '')}/{unidade.get('ufSigla', '')}",
        f"PNCP: {compra.get('numeroControlePNCP', '')}",
    ]


class Generator:
    """``compras(n)`` gives n headers; ``itens``/``documentos``/``historico`` derive from a header."""

    def __init__(self, seed: int = 13, anchor: date | None = None, span_days: int = 360) -> None:
        self.seed = seed
        self.anchor = anchor or date.today()
        self.span_days = span_days
        rng = random.Random(f"{seed}:orgaos")
        self.orgaos: list[dict[str, Any]] = []
        for i in range(240):
            uf, uf_nome, municipio, ibge = LOCAIS[i % len(LOCAIS)]
            cnpj = cnpj_check_digits(f"{rng.randrange(10**7, 10**8)}0001")
            nome = ORGAOS_NOMES[i % len(ORGAOS_NOMES)].format(m=municipio.upper())
            self.orgaos.append({
                "cnpj": cnpj, "razaoSocial": nome, "poderId": "E" if i % 5 else "L", "esferaId": "M",
                "unidade": {"ufNome": uf_nome, "codigoUnidade": f"{rng.randrange(1, 999999):06d}",
                            "nomeUnidade": f"{nome} - {SETORES[i % len(SETORES)].upper()}", "ufSigla": uf,
                            "municipioNome": municipio, "codigoIbge": ibge},
            })
        self._sequences: dict[tuple[str, int], int] = {}

    def next_sequencial(self, cnpj: str, ano: int) -> int:
        key = (cnpj, ano)
        self._sequences[key] = self._sequences.get(key, 0) + 1
        return self._sequences[key]

    def reserve(self, cnpj: str, ano: int, sequencial: int) -> None:
        key = (cnpj, ano)
        self._sequences[key] = max(self._sequences.get(key, 0), sequencial)

    def compras(self, count: int, start_index: int = 0) -> list[dict[str, Any]]:
        return [self.compra(i) for i in range(start_index, start_index + count)]

    def compra(self, index: int, published: datetime | None = None, **overrides: Any) -> dict[str, Any]:
        rng = random.Random(f"{self.seed}:compra:{index}")
        orgao = self.orgaos[rng.randrange(len(self.orgaos))]
        if published is None:
            day = self.anchor - timedelta(days=rng.randrange(self.span_days))
            published = datetime(day.year, day.month, day.day, rng.randrange(7, 20), rng.randrange(60),
                                 rng.randrange(60))
        ano = published.year
        seq = self.next_sequencial(orgao["cnpj"], ano)
        modalidade = rng.choices(list(MODALIDADE_WEIGHTS), weights=list(MODALIDADE_WEIGHTS.values()))[0]
        produto = PRODUTOS[rng.randrange(len(PRODUTOS))][0].split(",")[0].lower()
        objeto = OBJETOS[rng.randrange(len(OBJETOS))].format(p=produto, s=SETORES[rng.randrange(len(SETORES))])
        abertura = published + timedelta(days=1, hours=rng.randrange(0, 3))
        encerramento = abertura + timedelta(days=rng.randrange(7, 45), hours=rng.randrange(0, 8))
        secret = rng.random() < 0.06
        estimado = 0.0 if secret else round(rng.lognormvariate(10.5, 1.6), 2)
        situacao = rng.choices([1, 2, 3, 4], weights=[90, 4, 2, 4])[0]
        updated = published + timedelta(minutes=rng.randrange(0, 600))
        global_updated = updated + timedelta(days=rng.randrange(0, 40), minutes=rng.randrange(0, 600))
        modo = 4 if modalidade == 8 else (5 if modalidade in (9, 12) else rng.choice([1, 2, 3]))
        numero = f"{rng.randrange(1, 90000):05d}" if rng.random() < 0.5 else str(rng.randrange(1, 300))
        record: dict[str, Any] = {
            "amparoLegal": {"codigo": 1, "descricao": "pregão: modalidade de licitação obrigatória para aquisição de "
                            "bens e serviços comuns", "nome": "Lei 14.133/2021, Art. 28, I"},
            "anoCompra": ano,
            "dataAberturaProposta": abertura.strftime(TS),
            "dataAtualizacao": updated.strftime(TS),
            "dataAtualizacaoGlobal": global_updated.strftime(TS),
            "dataEncerramentoProposta": encerramento.strftime(TS),
            "dataInclusao": published.strftime(TS),
            "dataPublicacaoPncp": published.strftime(TS),
            "emendaParlamentar": None,
            "fontesOrcamentarias": [],
            "informacaoComplementar": None if rng.random() < 0.5 else "Esclarecimentos serão respondidos no sistema.",
            "justificativaPresencial": None,
            "linkProcessoEletronico": None,
            "linkSistemaOrigem": None if rng.random() < 0.8 else "https://cnetmobile.estaleiro.serpro.gov.br/",
            "modalidadeId": modalidade,
            "modalidadeNome": MODALIDADES[modalidade],
            "modoDisputaId": modo,
            "modoDisputaNome": MODO_DISPUTA[modo],
            "numeroCompra": numero,
            "numeroControlePNCP": f"{orgao['cnpj']}-1-{seq:06d}/{ano}",
            "objetoCompra": objeto,
            "orgaoEntidade": {k: orgao[k] for k in ("cnpj", "esferaId", "poderId", "razaoSocial")},
            "orgaoSubRogado": None,
            "processo": f"{rng.randrange(10**6, 10**7)}/{ano}",
            "sequencialCompra": seq,
            "situacaoCompraId": situacao,
            "situacaoCompraNome": SITUACAO_COMPRA[situacao],
            "srp": rng.random() < 0.4,
            "tipoInstrumentoConvocatorioCodigo": 2 if modalidade in (8, 9) else 1,
            "tipoInstrumentoConvocatorioNome": "Aviso de Contratação Direta" if modalidade in (8, 9) else "Edital",
            "unidadeOrgao": dict(orgao["unidade"]),
            "unidadeSubRogada": None,
            "usuarioNome": rng.choice(["Compras.gov.br", "BLL Compras", "Licitanet", "Portal de Compras Públicas"]),
            "valorTotalEstimado": estimado,
            "valorTotalHomologado": None,
        }
        record.update(overrides)
        return record

    # --- derived, lazily --------------------------------------------------------------------------------------
    def item_count(self, ncp: str) -> int:
        rng = random.Random(f"{self.seed}:n:{ncp}")
        roll = rng.random()
        if roll < 0.40:
            return rng.randint(1, 3)
        if roll < 0.72:
            return rng.randint(4, 9)
        if roll < 0.78:
            return 10
        if roll < 0.995:
            return rng.randint(11, 60)
        return rng.randint(480, 620)

    def itens(self, compra: dict[str, Any]) -> list[dict[str, Any]]:
        ncp = compra["numeroControlePNCP"]
        rng = random.Random(f"{self.seed}:itens:{ncp}")
        count = self.item_count(ncp)
        estimado = float(compra.get("valorTotalEstimado") or 0)
        secret = estimado == 0
        weights = [rng.random() + 0.05 for _ in range(count)]
        total_weight = sum(weights)
        published = datetime.strptime(str(compra["dataPublicacaoPncp"])[:19], TS)
        old = (self.anchor - published.date()).days > 60
        homologated = old and not secret and compra.get("situacaoCompraId") == 1 and rng.random() < 0.5
        beneficio = rng.choice([1, 1, 3, 4, 4, 5])
        items = []
        for n in range(1, count + 1):
            nome, unidade, price = PRODUTOS[rng.randrange(len(PRODUTOS))]
            if secret:
                unit = 0.0
            elif rng.random() < 0.02:
                unit = 0.01  # placeholder estimate, seen in real data
            else:
                share = estimado * weights[n - 1] / total_weight
                unit = round(max(0.02, price * rng.uniform(0.7, 1.3)), 4)
                unit = round(share / max(1, round(share / unit)), 4) if share > unit else unit
            quantidade = float(max(1, round((estimado * weights[n - 1] / total_weight) / unit))) if unit > 0.01 else \
                float(rng.randrange(1, 500))
            situacao = 2 if homologated and rng.random() < 0.85 else 1
            inclusao = published + timedelta(seconds=n)
            items.append({
                "numeroItem": n,
                "descricao": nome,
                "materialOuServico": "S" if nome.startswith("Serviço") or nome.startswith("Locação") else "M",
                "materialOuServicoNome": "Serviço" if nome.startswith(("Serviço", "Locação")) else "Material",
                "valorUnitarioEstimado": unit,
                "valorTotal": round(unit * quantidade, 4),
                "quantidade": quantidade,
                "unidadeMedida": unidade,
                "orcamentoSigiloso": secret,
                "itemCategoriaId": 3 if nome.startswith(("Serviço", "Locação")) else 1,
                "itemCategoriaNome": "Serviços" if nome.startswith(("Serviço", "Locação")) else "Bens Móveis",
                "patrimonio": None,
                "codigoRegistroImobiliario": None,
                "criterioJulgamentoId": 1,
                "criterioJulgamentoNome": CRITERIO[1],
                "situacaoCompraItem": situacao,
                "situacaoCompraItemNome": SITUACAO_ITEM[situacao],
                "tipoBeneficio": beneficio,
                "tipoBeneficioNome": BENEFICIO[beneficio],
                "incentivoProdutivoBasico": False,
                "dataInclusao": inclusao.strftime(TS),
                "dataAtualizacao": inclusao.strftime(TS),
                "temResultado": situacao == 2,
                "imagem": 0,
                "aplicabilidadeMargemPreferenciaNormal": False,
                "aplicabilidadeMargemPreferenciaAdicional": False,
                "percentualMargemPreferenciaNormal": None,
                "percentualMargemPreferenciaAdicional": None,
                "ncmNbsCodigo": None,
                "ncmNbsDescricao": None,
                "catalogo": "Compras.gov.br" if rng.random() < 0.5 else None,
                "categoriaItemCatalogo": None,
                "catalogoCodigoItem": str(rng.randrange(10**5, 10**6)) if rng.random() < 0.6 else None,
                "informacaoComplementar": None,
            })
        return items

    def resultado(self, compra: dict[str, Any], item: dict[str, Any], sequencial: int = 1,
                  when: datetime | None = None, **overrides: Any) -> dict[str, Any]:
        rng = random.Random(f"{self.seed}:res:{compra['numeroControlePNCP']}:{item['numeroItem']}:{sequencial}")
        unit = float(item.get("valorUnitarioEstimado") or 0) or rng.uniform(1, 1000)
        unit = round(unit * rng.uniform(0.75, 0.99), 4)
        qty = float(item.get("quantidade") or 1)
        moment = when or (datetime.strptime(str(item["dataInclusao"])[:19], TS) + timedelta(days=20))
        supplier = FORNECEDORES[rng.randrange(len(FORNECEDORES))]
        row = {
            "dataInclusao": moment.strftime(TS),
            "dataAtualizacao": moment.strftime(TS),
            "dataResultado": moment.strftime("%Y-%m-%d"),
            "niFornecedor": cnpj_check_digits(f"{rng.randrange(10**7, 10**8)}0001"),
            "tipoPessoa": "PJ",
            "nomeRazaoSocialFornecedor": supplier,
            "codigoPais": "BRA",
            "porteFornecedorId": 1 if supplier.endswith(("ME", "EPP")) else 3,
            "porteFornecedorNome": "ME" if supplier.endswith(("ME", "EPP")) else "Demais",
            "quantidadeHomologada": qty,
            "valorUnitarioHomologado": unit,
            "valorTotalHomologado": round(unit * qty, 4),
            "percentualDesconto": 0.0,
            "situacaoCompraItemResultadoId": 1,
            "situacaoCompraItemResultadoNome": "Informado",
            "numeroItem": item["numeroItem"],
            "sequencialResultado": sequencial,
            "ordemClassificacaoSrp": 1 if compra.get("srp") else None,
            "dataCancelamento": None,
            "motivoCancelamento": None,
            "numeroControlePNCPCompra": compra["numeroControlePNCP"],
            "aplicacaoMargemPreferencia": False,
            "aplicacaoBeneficioMeEpp": item.get("tipoBeneficio") in (1, 3),
            "aplicacaoCriterioDesempate": False,
            "moedaEstrangeira": None,
            "valorNominalMoedaEstrangeira": None,
        }
        row.update(overrides)
        return row

    def documentos(self, compra: dict[str, Any]) -> list[dict[str, Any]]:
        ncp = compra["numeroControlePNCP"]
        rng = random.Random(f"{self.seed}:docs:{ncp}")
        direct = compra.get("modalidadeId") in (8, 9)
        tipos = [1 if direct else 2]
        tipos += [t for t in (4, 7, 16) if rng.random() < 0.35]
        out = []
        for seq, tipo in enumerate(tipos, start=1):
            titulo = (f"{rng.randrange(10**19, 10**20)}" if rng.random() < 0.6
                      else f"{TIPO_DOCUMENTO[tipo]} {compra.get('numeroCompra')}/{compra.get('anoCompra')}")
            out.append(self.documento(compra, seq, tipo, titulo, compra["dataPublicacaoPncp"]))
        return out

    @staticmethod
    def documento(compra: dict[str, Any], seq: int, tipo: int, titulo: str, when: str) -> dict[str, Any]:
        cnpj = compra["orgaoEntidade"]["cnpj"]
        path = f"/pncp-api/v1/orgaos/{cnpj}/compras/{compra['anoCompra']}/{compra['sequencialCompra']}/arquivos/{seq}"
        return {
            "anoCompra": compra["anoCompra"],
            "cnpj": cnpj,
            "dataPublicacaoPncp": when,
            "sequencialCompra": compra["sequencialCompra"],
            "sequencialDocumento": seq,
            "statusAtivo": True,
            "tipoDocumentoDescricao": TIPO_DOCUMENTO.get(tipo, "Outros Documentos"),
            "tipoDocumentoId": tipo,
            "tipoDocumentoNome": TIPO_DOCUMENTO.get(tipo, "Outros Documentos"),
            "titulo": titulo,
            "uri": "https://pncp.gov.br" + path,
            "url": "https://pncp.gov.br" + path,
        }

    @staticmethod
    def file_for(compra: dict[str, Any], doc: dict[str, Any]) -> tuple[bytes, str, str]:
        """(bytes, declared content type, filename): editais are ZIPs holding a small PDF, others PDFs."""
        titulo = str(doc.get("titulo") or "documento")
        pdf = minimal_pdf(edital_lines(compra, str(doc.get("tipoDocumentoNome") or titulo)))
        if doc.get("tipoDocumentoId") in (1, 2):
            name = f"edital_{compra.get('numeroCompra')}_{compra.get('anoCompra')}"
            return zip_of({f"{name}.pdf": pdf, "LEIA-ME.txt": b"Edital e anexos.\n"}), "application/zip", name + ".zip"
        return pdf, "application/pdf", f"documento_{doc.get('sequencialDocumento')}.pdf"

    @staticmethod
    def historico_row(compra: dict[str, Any], when: str, tipo: int, categoria: int, *,
                      justificativa: str | None = None, item: int | None = None,
                      documento: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "logManutencaoDataInclusao": when,
            "tipoLogManutencao": tipo,
            "tipoLogManutencaoNome": TIPO_LOG[tipo],
            "categoriaLogManutencao": categoria,
            "categoriaLogManutencaoNome": CATEGORIA_LOG[categoria],
            "justificativa": justificativa,
            "compraOrgaoCnpj": compra["orgaoEntidade"]["cnpj"],
            "compraAno": compra["anoCompra"],
            "compraSequencial": compra["sequencialCompra"],
            "itemNumero": item,
            "itemResultadoNumero": None,
            "documentoTipo": documento.get("tipoDocumentoNome") if documento else None,
            "documentoTitulo": documento.get("titulo") if documento else None,
            "documentoSequencial": documento.get("sequencialDocumento") if documento else None,
            "usuarioNome": compra.get("usuarioNome"),
        }
