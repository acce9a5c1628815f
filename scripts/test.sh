#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need when missing, then
# lint, format check, type check and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the source tests use (ODBC drivers, slapd); odbc's build needs the headers.
packages=(unixodbc unixodbc-dev libsqliteodbc odbc-postgresql odbc-mariadb slapd ldap-utils sqlite3 chromium
  postgresql mariadb-server openssl)
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

# The ODBC tests use PostgreSQL and MariaDB on loopback; start them when they are down.
if ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
fi
if ! mariadb-admin ping --silent 2>/dev/null; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql --bind-address=127.0.0.1
  for _ in $(seq 1 60); do mariadb-admin ping --silent 2>/dev/null && break; sleep 0.5; done
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
