#!/usr/bin/env bash
# Installs the real agent CLIs into a test cache outside node_modules (DESIGN.md §10: ~1 GB together,
# so users never download them as devDependencies). Idempotent: a CLI already at the wanted version
# is left alone. Prints each CLI's version at the end.
#
#   scripts/install-agent-clis.sh            # all four
#   scripts/install-agent-clis.sh claude     # only some: claude codex gemini opencode
#   NIGHTSHIFT_CLI_CACHE=/tmp/clis scripts/install-agent-clis.sh
#
# Install scripts: this installs with --ignore-scripts (npm 11 wants scripts approved anyway) and then
# runs, by name, the two postinstalls that are needed and known to be local-only:
# - @anthropic-ai/claude-code: bin/claude.exe is a 500-byte stub that exits 1 until install.cjs
#   hard-links the native binary from @anthropic-ai/claude-code-linux-x64 (an optional dependency
#   npm already fetched) over it.
# - opencode-ai: likewise, postinstall.mjs links opencode-linux-x64/bin/opencode over a stub.
# @openai/codex (bin/codex.js finds @openai/codex-linux-x64 at run time) and @google/gemini-cli
# (a JavaScript bundle) have no install script. No CLI downloads anything outside the npm registry.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${NIGHTSHIFT_CLI_CACHE:-$root/.test-cache/clis}"

# Versions the fixtures in test/fixtures/cli/ were taken from; override with e.g. CLAUDE_VERSION=latest.
declare -A package=(
  [claude]="@anthropic-ai/claude-code@${CLAUDE_VERSION:-2.1}"
  [codex]="@openai/codex@${CODEX_VERSION:-0.169}"
  [gemini]="@google/gemini-cli@${GEMINI_VERSION:-0.61}"
  [opencode]="opencode-ai@${OPENCODE_VERSION:-1.18}"
)
declare -A bin=([claude]=claude [codex]=codex [gemini]=gemini [opencode]=opencode)

wanted=("$@")
if [ ${#wanted[@]} -eq 0 ]; then wanted=(claude codex gemini opencode); fi

mkdir -p "$cache"
if [ ! -f "$cache/package.json" ]; then
  printf '{ "name": "nightshift-agent-clis", "private": true }\n' >"$cache/package.json"
fi

specs=()
for name in "${wanted[@]}"; do
  spec="${package[$name]:-}"
  if [ -z "$spec" ]; then
    echo "unknown CLI '$name' (expected: claude codex gemini opencode)" >&2
    exit 1
  fi
  specs+=("$spec")
done

start=$(date +%s)
# One npm call for all of them: npm resolves the tree once and skips what is already there.
npm install --prefix "$cache" --no-audit --no-fund --ignore-scripts "${specs[@]}" >&2
# Both scripts are idempotent: they re-link the binary that is already there.
for name in "${wanted[@]}"; do
  case "$name" in
    claude) (cd "$cache/node_modules/@anthropic-ai/claude-code" && node install.cjs) >&2 ;;
    opencode) (cd "$cache/node_modules/opencode-ai" && node postinstall.mjs) >&2 ;;
  esac
done
echo "npm install took $(($(date +%s) - start)) s; cache size: $(du -sh "$cache" | cut -f1)" >&2

status=0
for name in "${wanted[@]}"; do
  path="$cache/node_modules/.bin/${bin[$name]}"
  if [ ! -x "$path" ]; then
    echo "$name: not installed ($path missing)"
    status=1
    continue
  fi
  if version="$("$path" --version 2>&1 | head -n 1)"; then
    echo "$name: $version ($path)"
  else
    echo "$name: installed but does not run: $version"
    status=1
  fi
done
exit $status
