# Shared by the scripts: find the repo, check Java, build a runnable module when its jar is stale.
# shellcheck shell=bash
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="0.1.0-SNAPSHOT"

require_java() {
  if ! command -v java >/dev/null 2>&1; then
    echo "Java 17 or newer is required (java not found on PATH)" >&2
    exit 1
  fi
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1)
  if [ "${major:-0}" -lt 17 ]; then
    echo "Java 17 or newer is required (found ${major})" >&2
    exit 1
  fi
}

# build_if_stale MODULE: (re)builds modules/MODULE and what it needs when its jar is missing or older than any source.
build_if_stale() {
  local module="$1"
  local jar="$REPO_ROOT/modules/$module/target/$module-$VERSION.jar"
  if [ ! -f "$jar" ] || [ -n "$(find "$REPO_ROOT/modules" "$REPO_ROOT/schemas" "$REPO_ROOT/pom.xml" \
        -path '*/node_modules' -prune -o -newer "$jar" \( -path '*/src/main/*' -o -name pom.xml -o -path '*/schemas/*' \
        -o -path '*/relay-client-js/src/*' \) -type f -print -quit)" ]; then
    echo "Building $module (first run or sources changed)..." >&2
    # no -sources/-javadoc jars: running a module needs its jar only; package, not install: the reactor builds what
    # it needs, and a run of a script must not put this checkout's SNAPSHOTs into ~/.m2 (other checkouts use them)
    (cd "$REPO_ROOT" && mvn -q -B -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl "modules/$module" -am package) >&2
  fi
}

# run_module MODULE MAIN_CLASS ARGS...: replaces the shell with the JVM, so Ctrl-C and SIGTERM reach it directly.
run_module() {
  local module="$1" main="$2"
  shift 2
  local dir="$REPO_ROOT/modules/$module/target"
  exec java ${JAVA_OPTS:-} -cp "$dir/$module-$VERSION.jar:$dir/lib/*" "$main" "$@"
}

# require_node: Node.js 20 or newer and npm, for modules/relay-client-js.
require_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Node.js 20 or newer with npm is required for the JavaScript tests (node/npm not found on PATH)" >&2
    exit 1
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "${major:-0}" -lt 20 ]; then
    echo "Node.js 20 or newer is required for the JavaScript tests (found $(node -v))" >&2
    exit 1
  fi
}

# require_chromium: the headless browser of the demo page test. CHROMIUM_PATH overrides /usr/bin/chromium;
# as root, a missing Chromium is installed from Debian's packages.
require_chromium() {
  local path="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ -x "$path" ]; then
    return
  fi
  if [ -z "${CHROMIUM_PATH:-}" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing chromium (headless browser for the demo page test)..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    return
  fi
  echo "Chromium is required for the demo page test: install it (sudo apt-get install -y chromium) or set" >&2
  echo "CHROMIUM_PATH to a Chromium/Chrome binary. NOTIFY_SKIP_JS_TESTS=1 skips the JavaScript tests." >&2
  exit 1
}
