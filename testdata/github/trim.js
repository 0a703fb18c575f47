// trim.js reduces the published GitHub OpenAPI description and webhook examples
// to what kiln uses. Run through regen.sh; it reads the unpacked npm packages.
//
// usage: node trim.js <openapi-package-dir> <webhooks-examples-package-dir> <out-dir>
"use strict";
const fs = require("fs");
const path = require("path");

const [openapiDir, examplesDir, outDir] = process.argv.slice(2);
if (!openapiDir || !examplesDir || !outDir) {
  console.error("usage: node trim.js <openapi-dir> <webhooks-examples-dir> <out-dir>");
  process.exit(2);
}

// The REST operations kiln calls (or may call), by operationId.
const operations = new Set([
  "apps/get-authenticated",
  "apps/list-installations",
  "apps/get-installation",
  "apps/get-repo-installation",
  "apps/create-installation-access-token",
  "checks/create",
  "checks/get",
  "checks/update",
  "checks/list-annotations",
  "checks/list-for-ref",
  "git/get-ref",
  "issues/list-comments",
  "issues/create-comment",
  "issues/update-comment",
  "pulls/get",
  "pulls/list-files",
  "pulls/list-review-comments",
  "pulls/create-review",
  "pulls/create-review-comment",
  "rate-limit/get",
  "reactions/create-for-issue-comment",
  "repos/get",
  "repos/get-collaborator-permission-level",
  "repos/get-commit",
  "repos/get-content",
]);

// The webhook deliveries kiln handles: event -> actions ("" for events without one).
// Among several examples of one action, the one a GitHub App would most likely
// receive is kept (see score below).
const deliveries = {
  pull_request: ["opened", "synchronize", "reopened", "closed"],
  push: [""],
  check_suite: ["rerequested"],
  check_run: ["rerequested", "requested_action"],
  issue_comment: ["created"],
  installation: ["created"],
};

function trimOpenAPI() {
  const pkg = JSON.parse(fs.readFileSync(path.join(openapiDir, "package.json"), "utf8"));
  const src = JSON.parse(
    fs.readFileSync(path.join(openapiDir, "generated", "api.github.com.json"), "utf8"),
  );
  const out = {
    openapi: src.openapi,
    info: Object.assign({}, src.info, {
      "x-kiln-source": `${pkg.name}@${pkg.version} generated/api.github.com.json, trimmed by testdata/github/trim.js`,
    }),
    servers: src.servers,
    paths: {},
    components: {},
  };
  const found = new Set();
  const pending = [];
  for (const [p, item] of Object.entries(src.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || !operations.has(op.operationId)) continue;
      found.add(op.operationId);
      out.paths[p] = out.paths[p] || {};
      if (item.parameters && !out.paths[p].parameters) out.paths[p].parameters = item.parameters;
      out.paths[p][method] = op;
      pending.push(op);
      if (item.parameters) pending.push(item.parameters);
    }
  }
  const missing = [...operations].filter((id) => !found.has(id));
  if (missing.length) {
    console.error("operations not in the description:", missing.join(", "));
    process.exit(1);
  }
  // Copy every component reachable through $ref, transitively.
  const seen = new Set();
  while (pending.length) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      pending.push(...node);
      continue;
    }
    if (!node || typeof node !== "object") continue;
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith("#/components/")) {
        if (seen.has(v)) continue;
        seen.add(v);
        const [, , section, name] = v.split("/");
        const target = src.components[section] && src.components[section][name];
        if (!target) {
          console.error("dangling $ref", v);
          process.exit(1);
        }
        out.components[section] = out.components[section] || {};
        out.components[section][name] = target;
        pending.push(target);
      } else {
        pending.push(v);
      }
    }
  }
  for (const section of Object.keys(out.components)) {
    out.components[section] = Object.fromEntries(
      Object.entries(out.components[section]).sort(([a], [b]) => a.localeCompare(b)),
    );
  }
  fs.writeFileSync(path.join(outDir, "api.github.com.json"), JSON.stringify(out, null, 1) + "\n");
  return `${pkg.name}@${pkg.version}`;
}

function trimWebhooks() {
  const pkg = JSON.parse(fs.readFileSync(path.join(examplesDir, "package.json"), "utf8"));
  const all = JSON.parse(fs.readFileSync(path.join(examplesDir, "api.github.com", "index.json"), "utf8"));
  const dir = path.join(outDir, "webhooks");
  fs.mkdirSync(dir, { recursive: true });
  for (const [event, actions] of Object.entries(deliveries)) {
    const entry = all.find((e) => e.name === event);
    if (!entry) {
      console.error("no examples for", event);
      process.exit(1);
    }
    for (const action of actions) {
      const candidates = entry.examples.filter((x) => (x.action || "") === action);
      // Prefer what a GitHub App receives: deliveries naming the
      // installation, and pushes to a branch rather than tag deletions.
      const score = (x) =>
        (x.installation ? 2 : 0) + (typeof x.ref === "string" && x.ref.startsWith("refs/heads/") && !x.deleted ? 1 : 0);
      let example;
      for (const x of candidates) if (!example || score(x) > score(example)) example = x;
      if (!example) {
        console.error("no example for", event, action);
        process.exit(1);
      }
      const file = action ? `${event}.${action}.json` : `${event}.json`;
      fs.writeFileSync(path.join(dir, file), JSON.stringify(example, null, 2) + "\n");
    }
  }
  return `${pkg.name}@${pkg.version}`;
}

const api = trimOpenAPI();
const hooks = trimWebhooks();
fs.writeFileSync(path.join(outDir, "VERSIONS"), `${api}\n${hooks}\n`);
console.log("trimmed", api, "and", hooks);
