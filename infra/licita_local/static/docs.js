// Minimal OpenAPI renderer with "try it" (fallback when no Swagger UI package is installed).
"use strict";
const $ = (tag, attrs = {}, ...kids) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) k === "class" ? (el.className = v) : el.setAttribute(k, v);
  for (const kid of kids) el.append(kid);
  return el;
};
const tokenInput = document.getElementById("token");
tokenInput.value = localStorage.getItem("licita-token") || "";
tokenInput.addEventListener("change", () => localStorage.setItem("licita-token", tokenInput.value.trim()));

function resolve(spec, schema) {
  if (schema && schema.$ref) return resolve(spec, spec.components.schemas[schema.$ref.split("/").pop()]);
  return schema || {};
}
function example(spec, schema, depth = 0) {
  schema = resolve(spec, schema);
  if (depth > 4) return null;
  if (schema.examples) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.anyOf) return example(spec, schema.anyOf[0], depth + 1);
  if (schema.type === "object" || schema.properties) {
    const out = {};
    for (const [k, v] of Object.entries(schema.properties || {})) out[k] = example(spec, v, depth + 1);
    return out;
  }
  if (schema.type === "array") return [example(spec, schema.items, depth + 1)];
  if (schema.type === "integer" || schema.type === "number") return 0;
  if (schema.type === "boolean") return false;
  if (schema.format === "email" || /email/.test(schema.pattern || "")) return "admin@demo.licita.local";
  return "string";
}

function operation(spec, path, method, op) {
  const secured = (op.security || []).length > 0;
  const params = op.parameters || [];
  const inputs = {};
  const body = $("div", { class: "body" });
  if (op.description) body.append($("p", {}, op.description));
  for (const p of params) {
    const input = $("input", { class: "q", placeholder: `${p.name} (${p.in})${p.required ? " *" : ""}` });
    inputs[p.name] = [p, input];
    body.append(input);
  }
  let textarea = null;
  if (op.requestBody) {
    const schema = op.requestBody.content["application/json"].schema;
    textarea = $("textarea");
    textarea.value = JSON.stringify(example(spec, schema), null, 2);
    body.append($("div", {}, "Corpo (application/json)"), textarea);
  }
  const out = $("pre");
  const send = $("button", {}, "Enviar");
  send.addEventListener("click", async () => {
    let url = path;
    const qs = new URLSearchParams();
    for (const [name, [p, input]] of Object.entries(inputs)) {
      if (!input.value) continue;
      if (p.in === "path") url = url.replace(`{${name}}`, encodeURIComponent(input.value));
      else if (p.in === "query") qs.append(name, input.value);
    }
    if ([...qs].length) url += "?" + qs;
    const headers = {};
    if (tokenInput.value.trim()) headers.Authorization = "Bearer " + tokenInput.value.trim();
    if (textarea) headers["Content-Type"] = "application/json";
    const started = performance.now();
    try {
      const resp = await fetch(url, { method: method.toUpperCase(), headers, body: textarea ? textarea.value : undefined });
      const text = await resp.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON */ }
      out.textContent = `${resp.status} ${resp.statusText}  (${(performance.now() - started).toFixed(0)} ms)\n\n${shown}`;
      if (path === "/auth/login" && resp.ok) {
        const token = JSON.parse(text).access_token;
        if (token) { tokenInput.value = token; localStorage.setItem("licita-token", token); }
      }
    } catch (err) { out.textContent = String(err); }
  });
  body.append(send, out);
  const responses = Object.keys(op.responses || {}).join(", ");
  body.append($("div", {}, `Respostas: ${responses}`));
  return $("details", {},
    $("summary", {}, $("span", { class: `m ${method.toUpperCase()}` }, method.toUpperCase()),
      $("span", { class: "p" }, path), $("span", {}, op.summary || ""),
      $("span", { class: "lock" }, secured ? "bearer" : "público")),
    body);
}

fetch("/openapi.json").then((r) => r.json()).then((spec) => {
  document.getElementById("title").textContent = `${spec.info.title} ${spec.info.version}`;
  document.getElementById("desc").textContent = spec.info.description || "";
  const byTag = {};
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ["default"])[0];
      (byTag[tag] = byTag[tag] || []).push([path, method, op]);
    }
  }
  const main = document.getElementById("ops");
  for (const [tag, ops] of Object.entries(byTag)) {
    main.append($("h2", {}, tag));
    for (const [path, method, op] of ops) main.append(operation(spec, path, method, op));
  }
});
