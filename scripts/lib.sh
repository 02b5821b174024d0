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
        -newer "$jar" \( -path '*/src/main/*' -o -name pom.xml -o -path '*/schemas/*' \) -type f -print -quit)" ]; then
    echo "Building $module (first run or sources changed)..." >&2
    (cd "$REPO_ROOT" && mvn -q -B -DskipTests -pl "modules/$module" -am install) >&2
  fi
}

# run_module MODULE MAIN_CLASS ARGS...: replaces the shell with the JVM, so Ctrl-C and SIGTERM reach it directly.
run_module() {
  local module="$1" main="$2"
  shift 2
  local dir="$REPO_ROOT/modules/$module/target"
  exec java ${JAVA_OPTS:-} -cp "$dir/$module-$VERSION.jar:$dir/lib/*" "$main" "$@"
}
