"""The consulta API (``/api/consulta/v1/contratacoes/{publicacao,proposta,atualizacao}``): filtered, windowed,
paged listings with PNCP's validation messages and empty-page quirks."""

from __future__ import annotations

import json

from licita_local.pncp_fake.data import Record
from licita_local.pncp_fake.state import FakeState
from licita_local.pncp_fake.wire import HttpAnswer, Wire, _error

CONSULTA = "/api/consulta"


class ConsultaRoutes(Wire):
    # consulta ---------------------------------------------------------------------------------------------------
    def _listing(self, sub: str, params: dict[str, str], state: FakeState) -> HttpAnswer:
        full = CONSULTA + sub
        kind = sub.rsplit("/", 1)[-1]
        if kind not in ("publicacao", "proposta", "atualizacao"):
            raise _error(404, "No static resource", full)
        pagina = self._int(params, "pagina", full, required=True)
        size = self._int(params, "tamanhoPagina", full) or state.config.consulta_default_page_size
        if pagina < 1 or not 10 <= size <= 50:
            raise _error(400, "Parâmetros de paginação inválidos: pagina >= 1 e tamanhoPagina entre 10 e 50", full)
        modalidade = self._int(params, "codigoModalidadeContratacao", full, required=kind != "proposta")
        final = self._date(params, "dataFinal", full)
        if kind == "proposta":
            now = state.store.clock().strftime("%Y-%m-%dT%H:%M:%S")
            lo, hi = now, final.isoformat() + "T23:59:59"
            field_name = "dataEncerramentoProposta"
        else:
            inicial = self._date(params, "dataInicial", full)
            if final < inicial:
                raise _error(422, "Data Inicial deve ser anterior ou igual à Data Final", full)
            if (final - inicial).days > 365:
                raise _error(422, "O período entre a data inicial e final não pode ser superior a 365 dias", full)
            lo, hi = inicial.isoformat(), final.isoformat() + "T23:59:59"
            field_name = "dataPublicacaoPncp" if kind == "publicacao" else "dataAtualizacaoGlobal"
        filters = {
            "uf": params.get("uf") or None, "ibge": params.get("codigoMunicipioIbge") or None,
            "cnpj": params.get("cnpj") or None, "unidade": params.get("codigoUnidadeAdministrativa") or None,
            "modo": self._int(params, "codigoModoDisputa", full),
        }
        cache_key = (kind, modalidade, lo, hi, tuple(sorted(filters.items())), state.store.version)
        rows = state.listing_cache.get(cache_key)
        if rows is None:
            def keep(c: Record) -> bool:
                value = str(c.get(field_name) or "")
                if not lo <= value <= hi:
                    return False
                if modalidade is not None and c.get("modalidadeId") != modalidade:
                    return False
                unidade = c.get("unidadeOrgao") or {}
                if filters["uf"] and unidade.get("ufSigla") != str(filters["uf"]).upper():
                    return False
                if filters["ibge"] and unidade.get("codigoIbge") != filters["ibge"]:
                    return False
                if filters["cnpj"] and (c.get("orgaoEntidade") or {}).get("cnpj") != filters["cnpj"]:
                    return False
                if filters["unidade"] and unidade.get("codigoUnidade") != filters["unidade"]:
                    return False
                return not (filters["modo"] is not None and c.get("modoDisputaId") != filters["modo"])

            rows = state.store.select(keep, sort_key=field_name)
            if len(state.listing_cache) > 256:
                state.listing_cache.clear()
            state.listing_cache[cache_key] = rows
        total = len(rows)
        if total == 0:
            return HttpAnswer(204)
        pages = (total + size - 1) // size
        if pagina > pages:
            if state.config.past_end_status == 400:
                raise _error(400, "Número da página maior que o total de páginas", full)
            return HttpAnswer(204)
        chunk = rows[(pagina - 1) * size: pagina * size]
        envelope = {"data": chunk, "totalRegistros": total, "totalPaginas": pages, "numeroPagina": pagina,
                    "paginasRestantes": pages - pagina, "empty": False}
        return HttpAnswer(200, json.dumps(envelope, ensure_ascii=False).encode())
