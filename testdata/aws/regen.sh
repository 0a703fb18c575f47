#!/bin/sh
# Regenerates the AWS service models here from the Go module proxy.
#   ./regen.sh                      # the versions in VERSIONS
#   V1_VERSION=v1.55.8 V2_VERSION=v1.55.2 ./regen.sh
# aws-sdk-go (v1) is downloaded into the module cache only; it is not a
# requirement of kiln's go.mod.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/VERSIONS"
V1_VERSION=${V1_VERSION:-$AWS_SDK_GO}
V2_VERSION=${V2_VERSION:-$AWS_SDK_GO_V2_IMAGEBUILDER}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir() { (cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "$1@$2") | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'; }
v1=$(dir github.com/aws/aws-sdk-go "$V1_VERSION")
v2=$(dir github.com/aws/aws-sdk-go-v2/service/imagebuilder "$V2_VERSION")
[ -n "$v1" ] && [ -n "$v2" ] || { echo "regen.sh: module download failed" >&2; exit 1; }
cd "$here" && go run regen.go -v1 "$v1" -v2 "$v2" -out "$here"
cat > "$here/VERSIONS" <<VERSIONS
AWS_SDK_GO=$V1_VERSION
AWS_SDK_GO_V2_IMAGEBUILDER=$V2_VERSION
VERSIONS
