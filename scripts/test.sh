#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need when missing, then
# lint, format check, type check and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci
npm run build
npx eslint .
npx prettier --check .
npx tsc -p tsconfig.json --noEmit
npx vitest run "$@"
