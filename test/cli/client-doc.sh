#!/usr/bin/env bash
# docs/CLIENT.md's examples (fences marked `js run`) run against a real tfgw serve, with
# `tfgw` resolved to the built client as a package user's import of it would be, and print
# what the `text output` fence after each one shows; docs/api matches the declarations.
source "$(dirname "$0")/lib.sh"

DOC="$ROOT/docs/CLIENT.md"
CLIENT="$ROOT/dist/src/client/index.js"
[ -f "$CLIENT" ] || fail "the client is built at $CLIENT"

# Writes each runnable example to $WORK/doc/NN.mjs or NN.cjs (CommonJS when it calls require),
# its expected output to NN.expected when one follows, and prints how many it wrote.
mkdir "$WORK/doc"
COUNT=$(node - "$DOC" "$CLIENT" "$WORK/doc" <<'JS'
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const [doc, client, out] = process.argv.slice(2);
const fences = [...readFileSync(doc, 'utf8').matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1].trim(), body: m[2] }));
let n = 0;
fences.forEach((fence, i) => {
  if (fence.info !== 'js run') return;
  n++;
  const name = String(n).padStart(2, '0');
  const code = fence.body.replace(/(from\s+|require\()(['"])tfgw\2/g, (_, lead) => `${lead}${JSON.stringify(client)}`);
  writeFileSync(path.join(out, `${name}.${/\brequire\(/.test(code) ? 'cjs' : 'mjs'}`), code);
  const next = fences[i + 1];
  if (next && next.info === 'text output') writeFileSync(path.join(out, `${name}.expected`), next.body);
});
process.stdout.write(String(n));
JS
)
[ "$COUNT" -ge 2 ] || fail "docs/CLIENT.md has runnable examples, found $COUNT"
! grep -q "from 'tfgw'\|require('tfgw')" "$WORK"/doc/* || fail "every 'tfgw' import was mapped to the built client"
grep -q "'tfgw'" "$DOC" || fail "the examples import the package as 'tfgw'"
! grep -q '10345\|src/client' "$DOC" || fail "docs/CLIENT.md names neither the old port nor a source path"
ok "docs/CLIENT.md has $COUNT runnable examples that import 'tfgw'"

start_server
for example in "$WORK"/doc/*.?js; do
  name=$(basename "$example")
  (cd "$WORK" && TFGW_PORT=$PORT timeout 20 node "$example") >"$WORK/$name.out" 2>"$WORK/$name.err" \
    || fail "example $name runs: $(cat "$WORK/$name.err")"
  expected="${example%.*}.expected"
  if [ -f "$expected" ]; then
    diff "$expected" "$WORK/$name.out" || fail "example $name prints its documented output"
  fi
  ok "example $name from docs/CLIENT.md runs and prints what the doc says"
done

# The API reference is generated from the client's declarations; it must be what they give today.
(cd "$ROOT" && npx --no-install typedoc --out "$WORK/api" --logLevel Warn) >"$WORK/typedoc.out" 2>&1 || fail "typedoc runs: $(cat "$WORK/typedoc.out")"
diff -r "$ROOT/docs/api" "$WORK/api" >"$WORK/api.diff" || fail "docs/api is current (npm run docs:api): $(head -20 "$WORK/api.diff")"
ok "docs/api is what npm run docs:api generates from the declarations"

echo "client-doc.sh: $PASSED passed, 0 failed"
