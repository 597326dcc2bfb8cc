#!/usr/bin/env bash
# Proves that nightshift installs on a machine without a compiler: runs `npm ci` with a PATH that
# holds only node, npm, git and a few shell basics (no python3, make, g++, cc), then loads the pty
# through dist/agents/pty.js (built by `prepare`) and runs /bin/echo in it. Fails when npm warns
# about install scripts not covered by `allowScripts`. Runs the built CLI through its #! line.
# Prints how long `npm ci` took.
#
#   scripts/check-install.sh              # in a temp copy of this checkout (tracked + unignored files)
#   scripts/check-install.sh --in-place   # in this checkout: .ci/run's one install
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/nightshift-install-XXXXXX")"
trap 'rm -rf "$work"' EXIT

bin="$work/bin"
app="$work/app"
mkdir -p "$bin"
for tool in node npm npx git sh env cat ls mkdir rm cp mv chmod ln dirname basename uname; do
  path="$(command -v "$tool")" || {
    echo "check-install: $tool not found" >&2
    exit 1
  }
  ln -s "$path" "$bin/$tool"
done
for compiler in python3 python make g++ gcc cc c++ clang; do
  if PATH="$bin" command -v "$compiler" >/dev/null 2>&1; then
    echo "check-install: $compiler is on the stripped PATH" >&2
    exit 1
  fi
done

if [ "${1:-}" = "--in-place" ]; then
  app="$root"
else
  mkdir -p "$app"
  (cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - --) |
    tar -xf - -C "$app"
fi

start=$(date +%s)
if ! (cd "$app" && PATH="$bin" npm ci --no-audit --no-fund >"$work/npm-ci.log" 2>&1); then
  cat "$work/npm-ci.log" >&2
  echo "check-install: npm ci failed with no compiler on the PATH" >&2
  exit 1
fi
seconds=$(($(date +%s) - start))
cat "$work/npm-ci.log"
if grep -q 'not yet covered by allowScripts' "$work/npm-ci.log"; then
  cat "$work/npm-ci.log" >&2
  echo "check-install: npm ci warned about install scripts (add them to allowScripts in package.json)" >&2
  exit 1
fi

# npm ci built dist/ through `prepare`; load the pty from it and read echo's output.
(cd "$app" && PATH="$bin" node --input-type=module -e '
  const { spawnPty } = await import("./dist/agents/pty.js");
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? "/", TERM: "xterm" };
  const child = await spawnPty("/bin/echo", ["pty-ok"], { cwd: process.cwd(), env, cols: 80, rows: 24 });
  let output = "";
  child.onData((data) => (output += data));
  const deadline = setTimeout(() => { console.error("no output from echo in the pty"); process.exit(1); }, 30_000);
  await new Promise((resolve) => child.onExit(resolve));
  // node-pty can hand over the last bytes after the exit event (microsoft/node-pty#72).
  while (!output.includes("pty-ok")) await new Promise((resolve) => setTimeout(resolve, 20));
  clearTimeout(deadline);
')
# The command as a user's shell starts it: through its #! line (env -S node with V8 flags, which
# node refuses at start-up when it does not know one).
version="$(cd "$app" && PATH="$bin" ./dist/cli/index.js --version)" || {
  echo "check-install: dist/cli/index.js does not start through its #! line ($(head -1 "$app/dist/cli/index.js"))" >&2
  exit 1
}
echo "check-install: npm ci with no compiler on the PATH took ${seconds} s; the pty spawned echo; nightshift --version through its #! line: $version"
