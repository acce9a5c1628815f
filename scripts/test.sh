#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need when missing, then
# lint, format check, type check and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the source tests use (ODBC drivers, slapd); odbc's build needs the headers.
packages=(unixodbc unixodbc-dev libsqliteodbc odbc-postgresql odbc-mariadb slapd ldap-utils sqlite3)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -d node_modules ]; then
  npm ci
elif ! node -e "require('odbc')" 2>/dev/null; then
  npm rebuild odbc
fi
npm run build
npx eslint .
npx prettier --check .
npx tsc -p tsconfig.json --noEmit
npx vitest run "$@"
