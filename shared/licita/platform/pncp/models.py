"""Typed PNCP records, parsed tolerantly: numbers as strings, nulls, missing keys and odd booleans all work.

Conventions:
- money and quantities are ``Decimal`` (``None`` when absent);
- ``valorTotalEstimado == 0`` means a secret budget: ``valor_total_estimado is None`` and
  ``valor_estimado_sigiloso is True`` (same for an item with ``orcamentoSigiloso`` or a 0 unit estimate);
  unit estimates of 0.01 are placeholders (``valor_estimado_placeholder``), also mapped to ``None``;
- timestamps without an offset are Brasília time: they come back as aware datetimes in America/Sao_Paulo;
- every record keeps the JSON it came from in ``raw`` (store it; PNCP adds fields without notice).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from types import UnionType
from typing import Any, Self, get_args, get_type_hints

try:
    from zoneinfo import ZoneInfo

    SAO_PAULO: tzinfo = ZoneInfo("America/Sao_Paulo")
except Exception:  # no tz database: Brazil has had no DST since 2019
    SAO_PAULO = timezone(timedelta(hours=-3), "BRT")

PUBLIC_URL = "https://pncp.gov.br/app/editais/{cnpj}/{ano}/{seq}"
_CONTROL = re.compile(r"^\s*(\d{14})-1-(\d{1,6})/(\d{4})\s*$")
SECRET_PLACEHOLDERS = (Decimal(0), Decimal("0.01"))

Json = Mapping[str, Any]


# --- tolerant converters ---------------------------------------------------------------------------------------
def to_str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def to_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    text = str(value).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        dec = to_decimal(text)
        return int(dec) if dec is not None else None


def to_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    text = str(value).strip().replace("R$", "").replace(" ", "")
    if not text:
        return None
    if "," in text:  # Brazilian format: 1.234,56
        text = text.replace(".", "").replace(",", ".")
    try:
        dec = Decimal(text)
    except InvalidOperation:
        return None
    return dec if dec.is_finite() else None


def to_bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    text = str(value).strip().lower()
    if text in {"true", "t", "s", "sim", "y", "yes", "1"}:
        return True
    if text in {"false", "f", "n", "nao", "não", "no", "0"}:
        return False
    return None


def to_datetime(value: Any) -> datetime | None:
    """ISO timestamp → aware datetime; naive values (PNCP's norm) are America/Sao_Paulo."""
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        if not text:
            return None
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = datetime.strptime(text[:19], "%d/%m/%Y %H:%M:%S")
            except ValueError:
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SAO_PAULO)
    return parsed


def to_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date()
        except ValueError:
            continue
    parsed = to_datetime(text)
    return parsed.date() if parsed else None


def _obj(value: Any) -> Json:
    return value if isinstance(value, Mapping) else {}


def _money_or_secret(value: Any) -> tuple[Decimal | None, bool]:
    """(value, secret): 0 → (None, True)."""
    dec = to_decimal(value)
    if dec is not None and dec == 0:
        return None, True
    return dec, False


# --- table-driven parsing ---------------------------------------------------------------------------------
# A record's plain fields are a {field: JSON key} table; the converter follows the field's type, so a table row
# names only where the value comes from ("a.b" reads key b of the object at key a).
_CONVERTER_CACHE: dict[type, dict[str, Callable[[Any], Any]]] = {}
_CONVERTERS: dict[Any, Callable[[Any], Any]] = {
    str: to_str, int: to_int, Decimal: to_decimal, bool: to_bool, datetime: to_datetime, date: to_date,
}


def _converters(cls: type) -> dict[str, Callable[[Any], Any]]:
    """{field: converter} from the class's type hints (computed once per class)."""
    if cls in _CONVERTER_CACHE:
        return _CONVERTER_CACHE[cls]
    out = _CONVERTER_CACHE[cls] = {}
    for name, hint in get_type_hints(cls).items():
        kinds = [arg for arg in get_args(hint) if arg is not type(None)] if isinstance(hint, UnionType) else [hint]
        if len(kinds) == 1 and kinds[0] in _CONVERTERS:
            out[name] = _CONVERTERS[kinds[0]]
    return out


def _at(data: Json, key: str) -> Any:
    head, _, rest = key.partition(".")
    return _at(_obj(data.get(head)), rest) if rest else data.get(head)


# Where each plain field of a record comes from: {record class name: {field: JSON key}}.
_KEYS: dict[str, dict[str, str]] = {
    "Compra": {
        "numero_compra": "numeroCompra",
        "processo": "processo",
        "objeto": "objetoCompra",
        "informacao_complementar": "informacaoComplementar",
        "modalidade_id": "modalidadeId",
        "modalidade_nome": "modalidadeNome",
        "modo_disputa_id": "modoDisputaId",
        "modo_disputa_nome": "modoDisputaNome",
        "situacao_id": "situacaoCompraId",
        "situacao_nome": "situacaoCompraNome",
        "srp": "srp",
        "data_publicacao": "dataPublicacaoPncp",
        "data_inclusao": "dataInclusao",
        "data_atualizacao": "dataAtualizacao",
        "data_atualizacao_global": "dataAtualizacaoGlobal",
        "data_abertura_proposta": "dataAberturaProposta",
        "data_encerramento_proposta": "dataEncerramentoProposta",
        "orgao_razao_social": "orgaoEntidade.razaoSocial",
        "orgao_esfera": "orgaoEntidade.esferaId",
        "orgao_poder": "orgaoEntidade.poderId",
        "unidade_codigo": "unidadeOrgao.codigoUnidade",
        "unidade_nome": "unidadeOrgao.nomeUnidade",
        "uf": "unidadeOrgao.ufSigla",
        "municipio_nome": "unidadeOrgao.municipioNome",
        "municipio_ibge": "unidadeOrgao.codigoIbge",
        "amparo_legal_codigo": "amparoLegal.codigo",
        "amparo_legal_nome": "amparoLegal.nome",
        "tipo_instrumento_codigo": "tipoInstrumentoConvocatorioCodigo",
        "tipo_instrumento_nome": "tipoInstrumentoConvocatorioNome",
        "link_sistema_origem": "linkSistemaOrigem",
        "link_processo_eletronico": "linkProcessoEletronico",
        "usuario_nome": "usuarioNome",
    },
    "Item": {
        "descricao": "descricao",
        "material_ou_servico": "materialOuServico",
        "quantidade": "quantidade",
        "unidade_medida": "unidadeMedida",
        "situacao_nome": "situacaoCompraItemNome",
        "tipo_beneficio_nome": "tipoBeneficioNome",
        "criterio_julgamento_id": "criterioJulgamentoId",
        "criterio_julgamento_nome": "criterioJulgamentoNome",
        "tem_resultado": "temResultado",
        "catalogo_codigo": "catalogoCodigoItem",
        "ncm_nbs_codigo": "ncmNbsCodigo",
        "informacao_complementar": "informacaoComplementar",
        "data_inclusao": "dataInclusao",
        "data_atualizacao": "dataAtualizacao",
    },
    "Resultado": {
        "numero_item": "numeroItem",
        "sequencial_resultado": "sequencialResultado",
        "ni_fornecedor": "niFornecedor",
        "nome_fornecedor": "nomeRazaoSocialFornecedor",
        "tipo_pessoa": "tipoPessoa",
        "porte_fornecedor_nome": "porteFornecedorNome",
        "quantidade_homologada": "quantidadeHomologada",
        "valor_unitario_homologado": "valorUnitarioHomologado",
        "valor_total_homologado": "valorTotalHomologado",
        "percentual_desconto": "percentualDesconto",
        "situacao_nome": "situacaoCompraItemResultadoNome",
        "data_resultado": "dataResultado",
        "data_inclusao": "dataInclusao",
        "data_atualizacao": "dataAtualizacao",
    },
    "Documento": {
        "titulo": "titulo",
        "tipo_documento_id": "tipoDocumentoId",
        "data_publicacao": "dataPublicacaoPncp",
    },
    "HistoricoEvento": {
        "tipo_log_id": "tipoLogManutencao",
        "tipo_log_nome": "tipoLogManutencaoNome",
        "categoria_log_id": "categoriaLogManutencao",
        "categoria_log_nome": "categoriaLogManutencaoNome",
        "justificativa": "justificativa",
        "documento_tipo": "documentoTipo",
        "documento_titulo": "documentoTitulo",
        "documento_sequencial": "documentoSequencial",
        "item_numero": "itemNumero",
        "usuario_nome": "usuarioNome",
    },
}


@dataclass(frozen=True, slots=True)
class _Record:
    """A PNCP record: ``from_json`` fills the fields its row of ``_KEYS`` names (converted by their declared
    type), those ``_derived`` computes, and ``raw``, the JSON it came from."""

    raw: Json = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Json) -> Self:
        converters = _converters(cls)
        values = {name: converters[name](_at(data, key)) for name, key in _KEYS.get(cls.__name__, {}).items()}
        return cls(**values, **cls._derived(data), raw=data)

    @classmethod
    def _derived(cls, data: Json) -> dict[str, Any]:
        """Fields that take more than one key or a rule (identifiers, secret budgets, fallbacks)."""
        return {}


# --- identifiers ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CompraRef:
    """(cnpj, ano, sequencial) of a compra; ``numero_controle`` is ``{cnpj14}-1-{seq6}/{ano}``."""

    cnpj: str
    ano: int
    sequencial: int

    @classmethod
    def parse(cls, value: str | CompraRef) -> CompraRef:
        if isinstance(value, CompraRef):
            return value
        match = _CONTROL.match(value)
        if not match:
            raise ValueError(f"not a numeroControlePNCP of a compra: {value!r}")
        return cls(match.group(1), int(match.group(3)), int(match.group(2)))

    @property
    def numero_controle(self) -> str:
        return f"{self.cnpj}-1-{self.sequencial:06d}/{self.ano}"

    @property
    def public_url(self) -> str:
        return PUBLIC_URL.format(cnpj=self.cnpj, ano=self.ano, seq=self.sequencial)

    @property
    def path(self) -> str:
        return f"/v1/orgaos/{self.cnpj}/compras/{self.ano}/{self.sequencial}"

    def __str__(self) -> str:
        return self.numero_controle


# --- records -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compra(_Record):
    """A contratação header (consulta listing record or integração ``GET /orgaos/{cnpj}/compras/{ano}/{seq}``)."""

    numero_controle_pncp: str
    cnpj: str
    ano: int
    sequencial: int
    numero_compra: str | None
    processo: str | None
    objeto: str | None
    informacao_complementar: str | None
    modalidade_id: int | None
    modalidade_nome: str | None
    modo_disputa_id: int | None
    modo_disputa_nome: str | None
    situacao_id: int | None
    situacao_nome: str | None
    srp: bool | None
    valor_total_estimado: Decimal | None
    valor_estimado_sigiloso: bool
    valor_total_homologado: Decimal | None
    data_publicacao: datetime | None
    data_inclusao: datetime | None
    data_atualizacao: datetime | None
    data_atualizacao_global: datetime | None
    data_abertura_proposta: datetime | None
    data_encerramento_proposta: datetime | None
    orgao_cnpj: str | None
    orgao_razao_social: str | None
    orgao_esfera: str | None
    orgao_poder: str | None
    unidade_codigo: str | None
    unidade_nome: str | None
    uf: str | None
    municipio_nome: str | None
    municipio_ibge: str | None
    amparo_legal_codigo: int | None
    amparo_legal_nome: str | None
    tipo_instrumento_codigo: int | None
    tipo_instrumento_nome: str | None
    link_sistema_origem: str | None
    link_processo_eletronico: str | None
    usuario_nome: str | None

    @property
    def ref(self) -> CompraRef:
        return CompraRef(self.cnpj, self.ano, self.sequencial)

    @property
    def public_url(self) -> str:
        return self.ref.public_url

    @property
    def changed_at(self) -> datetime | None:
        """``dataAtualizacaoGlobal`` (moves with items/results/documents), else ``dataAtualizacao``."""
        return self.data_atualizacao_global or self.data_atualizacao

    @classmethod
    def _derived(cls, data: Json) -> dict[str, Any]:
        control = to_str(data.get("numeroControlePNCP")) or ""
        cnpj = to_str(_at(data, "orgaoEntidade.cnpj")) or to_str(data.get("cnpj"))
        ano = to_int(data.get("anoCompra"))
        seq = to_int(data.get("sequencialCompra"))
        if (cnpj is None or ano is None or seq is None) and control:
            try:
                parsed = CompraRef.parse(control)
                cnpj, ano, seq = cnpj or parsed.cnpj, ano or parsed.ano, seq or parsed.sequencial
            except ValueError:
                pass
        if cnpj is None or ano is None or seq is None:
            raise ValueError(f"compra without identifiers: {control or dict(data)!r}"[:300])
        cnpj = cnpj.zfill(14)
        if not control:
            control = CompraRef(cnpj, ano, seq).numero_controle
        estimado, sigiloso = _money_or_secret(data.get("valorTotalEstimado"))
        if to_int(data.get("orcamentoSigilosoCodigo")) in (2, 3):  # integração: 1 = not secret
            sigiloso = True
        homologado = to_decimal(data.get("valorTotalHomologado"))
        return dict(
            numero_controle_pncp=control,
            cnpj=cnpj,
            ano=ano,
            sequencial=seq,
            valor_total_estimado=estimado,
            valor_estimado_sigiloso=sigiloso,
            valor_total_homologado=homologado if homologado else None,
            orgao_cnpj=cnpj,
        )


@dataclass(frozen=True, slots=True)
class Item(_Record):
    """An item of a compra (``/itens``). ``valor_unitario_estimado`` is None when secret or a placeholder."""

    numero_item: int
    descricao: str | None
    material_ou_servico: str | None
    quantidade: Decimal | None
    unidade_medida: str | None
    valor_unitario_estimado: Decimal | None
    valor_total: Decimal | None
    valor_estimado_sigiloso: bool
    valor_estimado_placeholder: bool
    situacao_id: int | None
    situacao_nome: str | None
    tipo_beneficio_id: int | None
    tipo_beneficio_nome: str | None
    criterio_julgamento_id: int | None
    criterio_julgamento_nome: str | None
    tem_resultado: bool | None
    catalogo_codigo: str | None
    ncm_nbs_codigo: str | None
    informacao_complementar: str | None
    data_inclusao: datetime | None
    data_atualizacao: datetime | None

    @property
    def homologado(self) -> bool:
        return self.situacao_id == 2

    @property
    def me_epp_friendly(self) -> bool:
        """tipoBeneficio 1 (exclusive) or 3 (reserved quota)."""
        return self.tipo_beneficio_id in (1, 3)

    @classmethod
    def _derived(cls, data: Json) -> dict[str, Any]:
        unit = to_decimal(data.get("valorUnitarioEstimado"))
        secret = bool(to_bool(data.get("orcamentoSigiloso")))
        placeholder = False
        if unit is not None and unit == 0:
            secret, unit = True, None
        elif unit is not None and unit in SECRET_PLACEHOLDERS:
            placeholder, unit = True, None
        elif secret:
            unit = None
        total = to_decimal(data.get("valorTotal"))
        if secret or placeholder or (total is not None and total == 0):
            total = None
        return dict(
            numero_item=to_int(data.get("numeroItem")) or 0,
            valor_unitario_estimado=unit,
            valor_total=total,
            valor_estimado_sigiloso=secret,
            valor_estimado_placeholder=placeholder,
            situacao_id=to_int(data.get("situacaoCompraItem", data.get("situacaoCompraItemId"))),
            tipo_beneficio_id=to_int(data.get("tipoBeneficio", data.get("tipoBeneficioId"))),
        )


@dataclass(frozen=True, slots=True)
class Resultado(_Record):
    """A winning result of an item (``/itens/{n}/resultados``; losing bids are not published)."""

    numero_item: int | None
    sequencial_resultado: int | None
    ni_fornecedor: str | None
    nome_fornecedor: str | None
    tipo_pessoa: str | None
    porte_fornecedor_nome: str | None
    quantidade_homologada: Decimal | None
    valor_unitario_homologado: Decimal | None
    valor_total_homologado: Decimal | None
    percentual_desconto: Decimal | None
    situacao_nome: str | None
    data_resultado: date | None
    data_inclusao: datetime | None
    data_atualizacao: datetime | None


@dataclass(frozen=True, slots=True)
class Documento(_Record):
    """An entry of ``/arquivos``. Titles are often meaningless ids: diff by ``sequencial_documento``."""

    sequencial_documento: int
    titulo: str | None
    tipo_documento_id: int | None
    tipo_documento_nome: str | None
    data_publicacao: datetime | None
    ativo: bool
    url: str | None

    @classmethod
    def _derived(cls, data: Json) -> dict[str, Any]:
        ativo = to_bool(data.get("statusAtivo"))
        return dict(
            sequencial_documento=to_int(data.get("sequencialDocumento")) or 0,
            tipo_documento_nome=to_str(data.get("tipoDocumentoNome") or data.get("tipoDocumentoDescricao")),
            ativo=True if ativo is None else ativo,
            url=to_str(data.get("url") or data.get("uri")),
        )


@dataclass(frozen=True, slots=True)
class HistoricoEvento(_Record):
    """A row of ``/historico`` (Inclusão / Retificação / Exclusão of the compra, an item, a document...)."""

    data: datetime | None
    tipo_log_id: int | None
    tipo_log_nome: str | None
    categoria_log_id: int | None
    categoria_log_nome: str | None
    justificativa: str | None
    documento_tipo: str | None
    documento_titulo: str | None
    documento_sequencial: int | None
    item_numero: int | None
    usuario_nome: str | None

    @classmethod
    def _derived(cls, data: Json) -> dict[str, Any]:
        return dict(
            data=to_datetime(data.get("logManutencaoDataInclusao") or data.get("dataInclusao")),
        )


MAGIC = (
    (b"PK\x03\x04", "zip", "application/zip"),
    (b"PK\x05\x06", "zip", "application/zip"),
    (b"%PDF", "pdf", "application/pdf"),
    (b"Rar!", "rar", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z", "application/x-7z-compressed"),
    (b"\xd0\xcf\x11\xe0", "ole", "application/msword"),
    (b"{\\rtf", "rtf", "application/rtf"),
    (b"\x89PNG", "png", "image/png"),
    (b"\xff\xd8\xff", "jpeg", "image/jpeg"),
)


def sniff(content: bytes) -> tuple[str, str]:
    """(kind, mime) from magic bytes; ("unknown", "application/octet-stream") otherwise."""
    for magic, kind, mime in MAGIC:
        if content.startswith(magic):
            return kind, mime
    return "unknown", "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Download:
    """Bytes of a document; ``kind``/``mime`` come from magic bytes, not from the server's headers."""

    content: bytes = field(repr=False)
    kind: str
    mime: str
    declared_content_type: str | None
    filename: str | None
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True, slots=True)
class Page[T]:
    """One page of a consulta listing (envelope ``data/totalRegistros/totalPaginas/numeroPagina/...``)."""

    items: list[T]
    numero_pagina: int
    total_registros: int | None
    total_paginas: int | None
    paginas_restantes: int | None

    @property
    def last(self) -> bool:
        if not self.items:
            return True
        if self.paginas_restantes is not None:
            return self.paginas_restantes <= 0
        if self.total_paginas is not None:
            return self.numero_pagina >= self.total_paginas
        return False
