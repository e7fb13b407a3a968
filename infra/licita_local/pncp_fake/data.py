"""The fake's in-memory PNCP: recorded records (../shared/data/pncp or the vendored samples) + generated ones.

:class:`PncpStore` is thread-safe and is also the in-process control API (publish / change / homologate...).
Every change moves ``dataAtualizacaoGlobal`` (and ``dataAtualizacao`` for header changes) and writes a
``/historico`` row, as PNCP does.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from licita_local.pncp_fake.generator import (
    BENEFICIO,
    SITUACAO_COMPRA,
    SITUACAO_ITEM,
    TS,
    Generator,
)

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
HERE = Path(__file__).resolve().parent
SAMPLES = HERE / "samples"
REPO_ROOT = HERE.parents[2]
SHARED_PNCP = REPO_ROOT.parent / "shared" / "data" / "pncp"

Record = dict[str, Any]


def shared_data_dir() -> Path | None:
    """``$PNCP_FAKE_DATA_DIR`` or ``../shared/data/pncp`` when present."""
    env = os.environ.get("PNCP_FAKE_DATA_DIR")
    candidate = Path(env) if env else SHARED_PNCP
    return candidate if candidate.is_dir() else None


@dataclass
class Recorded:
    compras: list[Record] = field(default_factory=list)
    documentos: dict[str, list[Record]] = field(default_factory=dict)
    itens_resultados: list[Record] = field(default_factory=list)
    source: str = "none"


def load_recorded(source: Path | None = None) -> Recorded:
    """Real records from ``source`` (the shared data folder layout) or, when None/absent, the vendored samples."""
    out = Recorded()
    if source is not None and (source / "contratacoes.json").exists():  # the vendored layout
        out.source = str(source)
        out.compras = json.loads((source / "contratacoes.json").read_text(encoding="utf-8"))
        out.documentos = json.loads((source / "documentos.json").read_text(encoding="utf-8"))
        out.itens_resultados = json.loads((source / "itens_resultados.json").read_text(encoding="utf-8"))
        return out
    if source is not None and source.is_dir():
        out.source = str(source)
        for path in sorted(source.glob("*_contratacoes.json")):
            out.compras.extend(json.loads(path.read_text(encoding="utf-8")))
        page = source / "pncp_resultado_sem_match.json"
        if page.exists():
            out.compras.extend(json.loads(page.read_text(encoding="utf-8")).get("data") or [])
        docs = source / "sample_documents.json"
        if docs.exists():
            out.documentos = json.loads(docs.read_text(encoding="utf-8"))
        merged = sorted(source.glob("DE_*.json"))
        for path in merged:
            out.itens_resultados.extend(json.loads(path.read_text(encoding="utf-8")))
        return out
    out.source = str(SAMPLES)
    out.compras = json.loads((SAMPLES / "contratacoes.json").read_text(encoding="utf-8"))
    out.documentos = json.loads((SAMPLES / "documentos.json").read_text(encoding="utf-8"))
    out.itens_resultados = json.loads((SAMPLES / "itens_resultados.json").read_text(encoding="utf-8"))
    return out


def parse_ncp(ncp: str) -> tuple[str, int, int]:
    head, ano = ncp.split("/")
    cnpj, _, seq = head.split("-")
    return cnpj, int(ano), int(seq)


def key_of(cnpj: str, ano: int | str, seq: int | str) -> str:
    return f"{cnpj}-1-{int(seq):06d}/{int(ano)}"


class UnknownCompra(KeyError):
    pass


class PncpStore:
    """All PNCP state of the fake. Keys are ``numeroControlePNCP``."""

    def __init__(
        self,
        *,
        seed: int = 13,
        count: int = 200,
        recorded: bool | Path = True,
        anchor: date | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.generator = Generator(seed=seed, anchor=anchor)
        self.anchor = self.generator.anchor
        self.clock = clock or (lambda: datetime.now(SAO_PAULO).replace(tzinfo=None, microsecond=0))
        self.compras: dict[str, Record] = {}
        self.version = 0
        self._itens: dict[str, list[Record]] = {}
        self._resultados: dict[tuple[str, int], list[Record]] = {}
        self._documentos: dict[str, list[Record]] = {}
        self._files: dict[tuple[str, int], tuple[bytes, str, str]] = {}
        self._historico: dict[str, list[Record]] = {}
        self._generated_count = 0
        self.recorded_source = "none"
        if recorded:
            source = recorded if isinstance(recorded, Path) else shared_data_dir()
            self.load(load_recorded(source))
        if count:
            self.generate(count)

    # --- loading ----------------------------------------------------------------------------------------------
    def load(self, data: Recorded) -> None:
        with self.lock:
            self.recorded_source = data.source
            for original in data.compras:
                ncp = original.get("numeroControlePNCP")
                if not ncp:
                    continue
                record = dict(original)
                record.setdefault("dataAtualizacaoGlobal", record.get("dataAtualizacao"))
                self.compras[ncp] = record
                cnpj, ano, seq = parse_ncp(ncp)
                self.generator.reserve(cnpj, ano, seq)
            for ncp, docs in data.documentos.items():
                if ncp not in self.compras:
                    self.compras[ncp] = self._header_for_documents(ncp, docs)
                self._documentos[ncp] = [dict(d) for d in docs]
            by_compra: dict[str, list[Record]] = {}
            for row in data.itens_resultados:
                ncp = row.get("numeroControlePNCPCompra")
                if ncp:
                    by_compra.setdefault(ncp, []).append(row)
            for ncp, rows in by_compra.items():
                self._load_merged_items(ncp, rows)
            self.version += 1

    def _header_for_documents(self, ncp: str, docs: list[Record]) -> Record:
        """Real document lists without a recorded header get a generated header with the real identifiers."""
        cnpj, ano, seq = parse_ncp(ncp)
        self.generator.reserve(cnpj, ano, seq)
        when = str(docs[0].get("dataPublicacaoPncp") or f"{ano}-01-02T09:00:00")
        published = datetime.strptime(when[:19], TS)
        record = self.generator.compra(10_000_000 + seq, published=published)
        record.update({
            "numeroControlePNCP": ncp, "anoCompra": ano, "sequencialCompra": seq,
            "orgaoEntidade": {**record["orgaoEntidade"], "cnpj": cnpj},
        })
        return record

    def _load_merged_items(self, ncp: str, rows: list[Record]) -> None:
        if ncp not in self.compras:
            cnpj, ano, seq = parse_ncp(ncp)
            first = rows[0]
            when = datetime.strptime(str(first.get("dataInclusao"))[:19], TS) - timedelta(days=30)
            header = self.generator.compra(20_000_000 + seq, published=when)
            estimado = round(sum(float(r.get("valorTotal") or 0) for r in rows), 2)
            homologado = round(sum(float(r.get("valorTotalHomologado") or 0) for r in rows), 2)
            header.update({
                "numeroControlePNCP": ncp, "anoCompra": ano, "sequencialCompra": seq, "modalidadeId": 8,
                "modalidadeNome": "Dispensa", "objetoCompra": "Aquisição de " + str(first.get("descricao")).lower(),
                "modoDisputaId": 4, "modoDisputaNome": "Dispensa Com Disputa", "srp": False,
                "tipoInstrumentoConvocatorioCodigo": 2,
                "tipoInstrumentoConvocatorioNome": "Aviso de Contratação Direta",
                "unidadeOrgao": {"ufNome": "Distrito Federal", "codigoUnidade": "787010", "ufSigla": "DF",
                                 "nomeUnidade": "CENTRO DE INTENDÊNCIA DA MARINHA EM BRASÍLIA",
                                 "municipioNome": "Brasília", "codigoIbge": "5300108"},
                "orgaoEntidade": {"cnpj": cnpj, "razaoSocial": "COMANDO DA MARINHA", "poderId": "E", "esferaId": "F"},
                "valorTotalEstimado": estimado, "valorTotalHomologado": homologado,
                "dataAtualizacaoGlobal": max(str(r.get("dataAtualizacao")) for r in rows),
            })
            self.compras[ncp] = header
        items, results = [], {}
        for row in rows:
            n = int(row["numeroItem"])
            beneficio = next((k for k, v in BENEFICIO.items() if v == row.get("tipoBeneficioNome")), 4)
            situacao = next((k for k, v in SITUACAO_ITEM.items() if v.lower() == str(
                row.get("situacaoCompraItemNome")).lower()), 1)
            items.append({
                "numeroItem": n, "descricao": row.get("descricao"), "materialOuServico": row.get("materialOuServico"),
                "materialOuServicoNome": row.get("materialOuServicoNome"),
                "valorUnitarioEstimado": row.get("valorUnitarioEstimado"), "valorTotal": row.get("valorTotal"),
                "quantidade": row.get("quantidade"), "unidadeMedida": row.get("unidadeMedida"),
                "orcamentoSigiloso": False, "criterioJulgamentoId": 1,
                "criterioJulgamentoNome": row.get("criterioJulgamentoNome"), "situacaoCompraItem": situacao,
                "situacaoCompraItemNome": row.get("situacaoCompraItemNome"), "tipoBeneficio": beneficio,
                "tipoBeneficioNome": row.get("tipoBeneficioNome"), "incentivoProdutivoBasico": False,
                "dataInclusao": row.get("dataInclusao"), "dataAtualizacao": row.get("dataAtualizacao"),
                "temResultado": bool(row.get("temResultado")), "imagem": 0, "informacaoComplementar": None,
            })
            if row.get("temResultado"):
                results[(ncp, n)] = [{
                    "dataInclusao": row.get("dataInclusao"), "dataAtualizacao": row.get("dataAtualizacao"),
                    "dataResultado": row.get("dataResultado"), "niFornecedor": row.get("niFornecedor"),
                    "tipoPessoa": "PJ", "nomeRazaoSocialFornecedor": row.get("nomeRazaoSocialFornecedor"),
                    "quantidadeHomologada": row.get("quantidadeHomologada"),
                    "valorUnitarioHomologado": row.get("valorUnitarioHomologado"),
                    "valorTotalHomologado": row.get("valorTotalHomologado"),
                    "percentualDesconto": row.get("percentualDesconto"), "situacaoCompraItemResultadoId": 1,
                    "situacaoCompraItemResultadoNome": row.get("situacaoCompraItemResultadoNome"), "numeroItem": n,
                    "sequencialResultado": 1, "numeroControlePNCPCompra": ncp,
                }]
        self._itens[ncp] = sorted(items, key=lambda i: i["numeroItem"])
        self._resultados.update(results)

    def generate(self, count: int) -> list[Record]:
        with self.lock:
            made = self.generator.compras(count, start_index=self._generated_count)
            self._generated_count += count
            for record in made:
                self.compras[record["numeroControlePNCP"]] = record
            self.version += 1
            return made

    # --- reads (lazy derivations) -----------------------------------------------------------------------------
    def get(self, ncp: str) -> Record:
        try:
            return self.compras[ncp]
        except KeyError:
            raise UnknownCompra(ncp) from None

    def _derived(self, cache: dict[str, list[Record]], ncp: str,
                 make: Callable[[Record], list[Record]]) -> list[Record]:
        """A compra's rows, generated on the first read and kept (an unknown compra is refused every time)."""
        with self.lock:
            compra = self.get(ncp)
            if ncp not in cache:
                cache[ncp] = make(compra)
            return cache[ncp]

    def itens(self, ncp: str) -> list[Record]:
        return self._derived(self._itens, ncp, self.generator.itens)

    def resultados(self, ncp: str, numero_item: int) -> list[Record]:
        with self.lock:
            key = (ncp, numero_item)
            if key not in self._resultados:
                item = next((i for i in self.itens(ncp) if i["numeroItem"] == numero_item), None)
                if item is None:
                    raise UnknownCompra(f"{ncp} item {numero_item}")
                self._resultados[key] = [self.generator.resultado(self.get(ncp), item)] if item.get(
                    "temResultado") else []
            return self._resultados[key]

    def documentos(self, ncp: str) -> list[Record]:
        return self._derived(self._documentos, ncp, self.generator.documentos)

    def file(self, ncp: str, seq: int) -> tuple[bytes, str, str]:
        with self.lock:
            key = (ncp, seq)
            if key not in self._files:
                doc = next((d for d in self.documentos(ncp) if int(d["sequencialDocumento"]) == seq), None)
                if doc is None:
                    raise UnknownCompra(f"{ncp} documento {seq}")
                self._files[key] = self.generator.file_for(self.get(ncp), doc)
            return self._files[key]

    def historico(self, ncp: str) -> list[Record]:
        def make(compra: Record) -> list[Record]:
            rows = [self.generator.historico_row(compra, str(compra.get("dataInclusao")), 0, 1)]
            for doc in self.documentos(ncp):
                rows.append(self.generator.historico_row(compra, str(doc.get("dataPublicacaoPncp")), 0, 4,
                                                         documento=doc))
            return rows

        return self._derived(self._historico, ncp, make)

    # --- listing ----------------------------------------------------------------------------------------------
    def select(self, predicate: Callable[[Record], bool], sort_key: str = "dataPublicacaoPncp") -> list[Record]:
        with self.lock:
            rows = [c for c in self.compras.values() if predicate(c)]
        rows.sort(key=lambda c: (str(c.get(sort_key) or ""), c["numeroControlePNCP"]))
        return rows

    # --- changes (the in-process control API) -----------------------------------------------------------------
    def _stamp(self, compra: Record, *, header: bool) -> str:
        """A timestamp strictly after the compra's last change; moves dataAtualizacaoGlobal (and header's)."""
        last = datetime.strptime(str(compra.get("dataAtualizacaoGlobal") or compra.get("dataAtualizacao"))[:19], TS)
        now = max(self.clock(), last + timedelta(seconds=1))
        stamp = now.strftime(TS)
        compra["dataAtualizacaoGlobal"] = stamp
        if header:
            compra["dataAtualizacao"] = stamp
        self.version += 1
        return stamp

    def publish(self, published: datetime | None = None, itens: list[str | Record] | None = None,
                **fields: Any) -> Record:
        """A new compra published now (or at ``published``); ``fields`` override generated values.

        ``itens`` (descriptions, or item fields) replace the generated items: those derive from the
        ``numeroControlePNCP``, which depends on what else the fake holds (recorded data, the date), so a test
        asserting on item text names its items."""
        with self.lock:
            when = published or self.clock()
            record = self.generator.compra(self._generated_count, published=when)
            self._generated_count += 1
            record["dataAtualizacaoGlobal"] = record["dataAtualizacao"] = record["dataInclusao"]
            record.update(fields)
            ncp = record["numeroControlePNCP"]
            self.compras[ncp] = record
            if itens is not None:
                self._itens[ncp] = self._given_items(record, itens)
            self.version += 1
            return record

    def _given_items(self, compra: Record, itens: list[str | Record]) -> list[Record]:
        """Items in the generator's shape (its first item as the template) with the given descriptions/fields."""
        template = self.generator.itens(compra)[0]
        published = datetime.strptime(str(compra["dataInclusao"])[:19], TS)
        out = []
        for n, given in enumerate(itens, 1):
            stamp = (published + timedelta(seconds=n)).strftime(TS)
            fields = {"descricao": given} if isinstance(given, str) else dict(given)
            out.append({**template, "numeroItem": n, "situacaoCompraItem": 1, "situacaoCompraItemNome":
                        SITUACAO_ITEM[1], "temResultado": False, "dataInclusao": stamp, "dataAtualizacao": stamp,
                        **fields})
        return out

    def update_compra(self, ncp: str, justificativa: str | None = None, **fields: Any) -> Record:
        """Change header fields (situacaoCompraId, dates, valorTotalEstimado, objetoCompra...); a Retificação row."""
        with self.lock:
            compra = self.get(ncp)
            self.historico(ncp)
            if "situacaoCompraId" in fields and "situacaoCompraNome" not in fields:
                fields["situacaoCompraNome"] = SITUACAO_COMPRA.get(int(fields["situacaoCompraId"]), "Divulgada no PNCP")
            compra.update(fields)
            stamp = self._stamp(compra, header=True)
            self._historico[ncp].append(self.generator.historico_row(
                compra, stamp, 1, 1, justificativa=justificativa or "Retificação: " + ", ".join(sorted(fields))))
            return compra

    def add_documento(self, ncp: str, titulo: str, tipo_documento_id: int = 16, content: bytes | None = None,
                      content_type: str | None = None, filename: str | None = None) -> Record:
        """A new document (e.g. "Retificação do edital", "Errata") with a new sequencialDocumento."""
        with self.lock:
            compra = self.get(ncp)
            self.historico(ncp)
            docs = self.documentos(ncp)
            seq = max((int(d["sequencialDocumento"]) for d in docs), default=0) + 1
            stamp = self._stamp(compra, header=False)
            doc = self.generator.documento(compra, seq, tipo_documento_id, titulo, stamp)
            docs.append(doc)
            if content is not None:
                self._files[(ncp, seq)] = (content, content_type or "application/octet-stream",
                                           filename or f"documento_{seq}")
            self._historico[ncp].append(self.generator.historico_row(compra, stamp, 0, 4, documento=doc))
            return doc

    def remove_documento(self, ncp: str, seq: int, justificativa: str | None = None) -> Record:
        with self.lock:
            compra = self.get(ncp)
            self.historico(ncp)
            doc = next((d for d in self.documentos(ncp) if int(d["sequencialDocumento"]) == seq), None)
            if doc is None:
                raise UnknownCompra(f"{ncp} documento {seq}")
            doc["statusAtivo"] = False
            stamp = self._stamp(compra, header=False)
            self._historico[ncp].append(self.generator.historico_row(
                compra, stamp, 2, 4, justificativa=justificativa, documento=doc))
            return doc

    def add_historico(self, ncp: str, tipo: int = 1, categoria: int = 1, justificativa: str | None = None,
                      item: int | None = None) -> Record:
        with self.lock:
            compra = self.get(ncp)
            self.historico(ncp)
            stamp = self._stamp(compra, header=False)
            row = self.generator.historico_row(compra, stamp, tipo, categoria, justificativa=justificativa, item=item)
            self._historico[ncp].append(row)
            return row

    def _compra_item(self, ncp: str, numero_item: int) -> tuple[Record, Record]:
        """The compra and its item ``numero_item`` (history loaded first, so the change is appended to it)."""
        compra = self.get(ncp)
        self.historico(ncp)
        item = next((i for i in self.itens(ncp) if i["numeroItem"] == numero_item), None)
        if item is None:
            raise UnknownCompra(f"{ncp} item {numero_item}")
        return compra, item

    def update_item(self, ncp: str, numero_item: int, justificativa: str | None = None, **fields: Any) -> Record:
        with self.lock:
            compra, item = self._compra_item(ncp, numero_item)
            if "situacaoCompraItem" in fields and "situacaoCompraItemNome" not in fields:
                fields["situacaoCompraItemNome"] = SITUACAO_ITEM.get(int(fields["situacaoCompraItem"]), "")
            item.update(fields)
            stamp = self._stamp(compra, header=False)
            item["dataAtualizacao"] = stamp
            self._historico[ncp].append(self.generator.historico_row(
                compra, stamp, 1, 2, justificativa=justificativa, item=numero_item))
            return item

    def homologar_item(self, ncp: str, numero_item: int, **result_fields: Any) -> Record:
        """Item → Homologado with a winning result; the compra's valorTotalHomologado follows."""
        with self.lock:
            compra, item = self._compra_item(ncp, numero_item)
            existing = self.resultados(ncp, numero_item)
            stamp = self._stamp(compra, header=False)
            when = datetime.strptime(stamp, TS)
            result = self.generator.resultado(compra, item, len(existing) + 1, when=when, **result_fields)
            existing.append(result)
            item.update({"situacaoCompraItem": 2, "situacaoCompraItemNome": SITUACAO_ITEM[2], "temResultado": True,
                         "dataAtualizacao": stamp})
            total = sum(float(r.get("valorTotalHomologado") or 0) for (k, _n), rows in self._resultados.items()
                        if k == ncp for r in rows)
            compra["valorTotalHomologado"] = round(total, 4)
            self._historico[ncp].append(self.generator.historico_row(compra, stamp, 0, 3, item=numero_item))
            return result

    def iter_keys(self) -> Iterable[str]:
        with self.lock:
            return list(self.compras)
