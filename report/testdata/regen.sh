#!/bin/sh
# Re-downloads the SARIF 2.1.0 JSON schema the tests validate against.
# Source: the npm package @microsoft/jest-sarif (Microsoft's SARIF Jest
# matchers), which ships the schema as lib/schemas/sarif-2.1.0-rtm.5.json.
# Nothing is trimmed. Needs npm and network access to the npm registry.
set -eu
cd "$(dirname "$0")"
pkg=@microsoft/jest-sarif@1.0.0-beta.0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz)
cp "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" sarif-schema-2.1.0.json
sha256sum sarif-schema-2.1.0.json
