"""The control API under ``/_fake`` (see the ``server`` docstring): faults, config, request log, data changes."""

from __future__ import annotations

import base64
import re
from dataclasses import asdict

from licita_local.pncp_fake.data import key_of
from licita_local.pncp_fake.state import FakeConfig, FakeState, add_fault
from licita_local.pncp_fake.wire import HttpAnswer, Wire, _error


class ControlRoutes(Wire):
    # --- control API ------------------------------------------------------------------------------------------
    def _control(self, method: str, path: str, state: FakeState) -> HttpAnswer:
        body = self._body() if method in ("POST", "PATCH") else {}
        store = state.store
        route = path[len("/_fake"):]
        if route == "/health":
            return self._json({"compras": len(store.compras), "version": store.version,
                               "recorded": store.recorded_source})
        if route == "/reset" and method == "POST":
            with state.lock:
                state.faults.clear()
                state.config = FakeConfig()
                state.log.clear()
            return self._json({"ok": True})
        if route == "/faults":
            if method == "DELETE":
                with state.lock:
                    state.faults.clear()
                return self._json({"ok": True})
            if method == "POST":
                fault = add_fault(state, **body)
                return self._json(asdict(fault))
            return self._json([asdict(f) for f in state.faults])
        if route == "/config" and method == "POST":
            for name, value in body.items():
                if not hasattr(state.config, name):
                    raise _error(400, f"unknown config {name}", path)
                setattr(state.config, name, value)
            return self._json(asdict(state.config))
        if route == "/requests":
            if method == "DELETE":
                state.log.clear()
                return self._json({"ok": True})
            return self._json([asdict(r) for r in list(state.log)])
        if route == "/generate" and method == "POST":
            made = store.generate(int(body.get("count", 100)))
            return self._json({"generated": len(made), "compras": len(store.compras)})
        if route == "/compras" and method == "POST":
            return self._json(store.publish(**body))
        match = re.match(r"^/compras/(\d{14})/(\d{4})/(\d+)(/.*)?$", route)
        if not match:
            raise _error(404, "unknown control route", path)
        ncp = key_of(match.group(1), match.group(2), match.group(3))
        rest = match.group(4) or ""
        if rest == "" and method == "PATCH":
            justificativa = body.pop("justificativa", None)
            return self._json(store.update_compra(ncp, justificativa=justificativa, **body))
        if rest == "/documentos" and method == "POST":
            content = base64.b64decode(body["content_base64"]) if body.get("content_base64") else None
            return self._json(store.add_documento(ncp, str(body.get("titulo") or "Documento"),
                                                  int(body.get("tipoDocumentoId") or 16), content,
                                                  body.get("content_type"), body.get("filename")))
        doc = re.match(r"^/documentos/(\d+)$", rest)
        if doc and method == "DELETE":
            return self._json(store.remove_documento(ncp, int(doc.group(1))))
        if rest == "/historico" and method == "POST":
            return self._json(store.add_historico(ncp, int(body.get("tipo", 1)), int(body.get("categoria", 1)),
                                                  body.get("justificativa"), body.get("item")))
        item = re.match(r"^/itens/(\d+)(/homologar)?$", rest)
        if item and method == "PATCH" and not item.group(2):
            justificativa = body.pop("justificativa", None)
            return self._json(store.update_item(ncp, int(item.group(1)), justificativa=justificativa, **body))
        if item and method == "POST" and item.group(2):
            return self._json(store.homologar_item(ncp, int(item.group(1)), **body))
        raise _error(404, "unknown control route", path)
