"""The integração API (``/api/pncp/v1``): one compra, its itens (paged), resultados, arquivos and histórico."""

from __future__ import annotations

import json
import re
from typing import Any

from licita_local.pncp_fake.data import key_of
from licita_local.pncp_fake.generator import MODALIDADES
from licita_local.pncp_fake.state import FakeState
from licita_local.pncp_fake.wire import HttpAnswer, Wire, _error

COMPRA_RE = re.compile(r"^/v1/orgaos/(\d{14})/compras/(\d{4})/(\d+)(/.*)?$")


class IntegracaoRoutes(Wire):
    # integração -------------------------------------------------------------------------------------------------
    def _integracao(self, sub: str, params: dict[str, str], state: FakeState) -> HttpAnswer:
        full = "/api/pncp" + sub
        if sub == "/v1/modalidades":
            rows = [{"id": k, "nome": v, "descricao": v, "statusAtivo": True} for k, v in MODALIDADES.items()]
            return self._json(rows)
        match = COMPRA_RE.match(sub)
        if not match:
            raise _error(404, "No static resource", full)
        ncp = key_of(match.group(1), match.group(2), match.group(3))
        rest = match.group(4) or ""
        store = state.store
        compra = store.get(ncp)
        if rest in ("", "/"):
            answer = dict(compra)
            answer.setdefault("existeResultado", any(i.get("temResultado") for i in store.itens(ncp)))
            secret = not compra.get("valorTotalEstimado")
            answer.setdefault("orcamentoSigilosoCodigo", 2 if secret else 1)
            answer.setdefault("orcamentoSigilosoDescricao", "Sigiloso" if secret else "Compra sem sigilo")
            return self._json(answer)
        if rest == "/itens":
            pagina = self._int(params, "pagina", full) or 1
            size = self._int(params, "tamanhoPagina", full) or state.config.itens_default_page_size
            size = max(1, min(size, state.config.itens_max_page_size))
            itens = store.itens(ncp)
            return self._json(itens[(pagina - 1) * size: pagina * size])
        if rest == "/itens/quantidade":
            return self._json(len(store.itens(ncp)))
        item_match = re.match(r"^/itens/(\d+)(/resultados)?(/\d+)?$", rest)
        if item_match:
            numero = int(item_match.group(1))
            item = next((i for i in store.itens(ncp) if i["numeroItem"] == numero), None)
            if item is None:
                raise _error(404, f"Item {numero} não encontrado", full)
            if not item_match.group(2):
                return self._json(item)
            results = store.resultados(ncp, numero)
            if item_match.group(3):
                seq = int(item_match.group(3)[1:])
                found = next((r for r in results if r.get("sequencialResultado") == seq), None)
                if found is None:
                    raise _error(404, "Resultado não encontrado", full)
                return self._json(found)
            return self._json(results) if results else HttpAnswer(204)
        if rest == "/arquivos":
            base = self._base_url()
            body = json.dumps(store.documentos(ncp), ensure_ascii=False).replace("https://pncp.gov.br", base)
            return HttpAnswer(200, body.encode())
        if rest == "/arquivos/quantidade":
            return self._json(len(store.documentos(ncp)))
        doc_match = re.match(r"^/arquivos/(\d+)$", rest)
        if doc_match:
            content, content_type, filename = store.file(ncp, int(doc_match.group(1)))
            return HttpAnswer(200, content, content_type,
                              {"Content-Disposition": f'attachment; filename="{filename}"'})
        if rest == "/historico":
            return self._json(store.historico(ncp))
        raise _error(404, "No static resource", full)

    def _base_url(self) -> str:
        address: Any = self.server.server_address
        host = self.headers.get("Host") or f"{address[0]}:{address[1]}"
        return f"http://{host}"
