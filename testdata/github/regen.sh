#!/bin/sh
# Regenerates testdata/github from the published npm packages:
#   @octokit/openapi            -> api.github.com.json (trimmed to kiln's operations)
#   @octokit/webhooks-examples  -> webhooks/<event>.<action>.json (one example each)
# Pin versions with OPENAPI_VERSION / EXAMPLES_VERSION (defaults: the versions in VERSIONS).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
openapi_version=${OPENAPI_VERSION:-$(sed -n 's|^@octokit/openapi@||p' "$here/VERSIONS")}
examples_version=${EXAMPLES_VERSION:-$(sed -n 's|^@octokit/webhooks-examples@||p' "$here/VERSIONS")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "@octokit/openapi@${openapi_version:-latest}" >/dev/null
npm pack --silent "@octokit/webhooks-examples@${examples_version:-latest}" >/dev/null
mkdir openapi examples
tar xzf octokit-openapi-*.tgz -C openapi
tar xzf octokit-webhooks-examples-*.tgz -C examples
rm -f "$here"/webhooks/*.json
node "$here/trim.js" "$work/openapi/package" "$work/examples/package" "$here"
