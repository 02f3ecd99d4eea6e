#!/usr/bin/env bash
# Builds the original Go collector (github.com/t2bot/pgo-fleet, collector/) from a checkout of its
# source, for side-by-side benchmarks. Without a module proxy its two dependencies come from here:
# github.com/google/pprof from the copy the Go toolchain vendors (GOROOT/src/cmd/vendor), and
# github.com/kelseyhightower/envconfig from a minimal stand-in that does what the collector uses
# of it (string fields from PGOF_<TAG>, with the tag's default).
# Usage: bench/original.sh SOURCE_CHECKOUT OUTPUT_BINARY
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: bench/original.sh SOURCE_CHECKOUT OUTPUT_BINARY" >&2; exit 2; }
src=$1 out=$(realpath -m "$2")
[ -f "$src/collector/main.go" ] || { echo "original.sh: $src/collector/main.go not found (give a checkout of t2bot/pgo-fleet)" >&2; exit 2; }
command -v go > /dev/null || { echo "original.sh: no go on PATH (../shared/docs/go-toolchain.md)" >&2; exit 2; }
goroot=$(go env GOROOT)
b=$(mktemp -d); trap 'rm -rf "$b"' EXIT
cp -r "$src/collector" "$b/collector"
mkdir -p "$b/pprof" "$b/envconfig"
cp -r "$goroot/src/cmd/vendor/github.com/google/pprof/profile" "$b/pprof/"
echo 'module github.com/google/pprof' > "$b/pprof/go.mod"
echo 'module github.com/kelseyhightower/envconfig' > "$b/envconfig/go.mod"
cat > "$b/envconfig/envconfig.go" <<'GO'
// Package envconfig: the part of github.com/kelseyhightower/envconfig the collector uses.
package envconfig

import (
	"os"
	"reflect"
	"strings"
)

func Process(prefix string, spec interface{}) error {
	v := reflect.ValueOf(spec).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		val, ok := os.LookupEnv(strings.ToUpper(prefix + "_" + f.Tag.Get("envconfig")))
		if !ok {
			val = f.Tag.Get("default")
		}
		v.Field(i).SetString(val)
	}
	return nil
}
GO
cd "$b/collector"
rm -f go.sum
go mod edit -replace github.com/google/pprof=../pprof -replace github.com/kelseyhightower/envconfig=../envconfig
GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local go build -o "$out" .
