#!/usr/bin/env bash
# Create .venv with Python 3.13 and install everything (idempotent; reinstalls only when requirements change).
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for candidate in "${PYTHON:-}" python3.13 /root/.pyenv/versions/3.13.0/bin/python3.13 "$HOME/.pyenv/versions/3.13.0/bin/python3.13"; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info[:2] >= (3, 13)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  echo "Python 3.13 not found. Install it (e.g. 'pyenv install 3.13', 'apt install python3.13' or uv python install 3.13) or set PYTHON=/path/to/python3.13" >&2
  return 1
}

if [ ! -x .venv/bin/python ]; then
  py=$(find_python)
  "$py" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.txt
  .venv/bin/python -m pip install -q --no-deps -e .
  echo "$want" > "$stamp"
fi

# OCR for scanned editais: Tesseract with Portuguese data from Debian packages.
if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx por; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get install -y -q tesseract-ocr tesseract-ocr-por >/dev/null 2>&1 \
      || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q tesseract-ocr tesseract-ocr-por >/dev/null)) \
      || echo "warning: could not install tesseract-ocr-por; scanned documents will fail OCR" >&2
  else
    echo "warning: install tesseract-ocr and tesseract-ocr-por for OCR of scanned documents" >&2
  fi
fi

# Headless browser for the supplier-page e2e test (Selenium drives Debian's chromium + chromium-driver).
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
      || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium chromium-driver >/dev/null)) \
      || echo "warning: could not install chromium/chromium-driver; the supplier-page browser test will skip" >&2
  else
    echo "warning: install chromium and chromium-driver for the supplier-page browser test" >&2
  fi
fi
