#!/usr/bin/env bash
# The packed package as a user gets it: `npm pack` of this tree (its prepack and
# prepare build dist/ in a copy), the tarball's contents, then a fresh directory
# that installs only the tarball and runs `npx tfgw --version`, `npx tfgw serve`,
# and a TypeScript (type-checked with the tarball's declarations, --strict), an
# ES module and a CommonJS program that exchange messages through the server.
source "$(dirname "$0")/lib.sh"
TSC=(node "$ROOT/node_modules/typescript/bin/tsc")

# --- pack a copy of the working tree (tracked and new files), so this tree's dist/ stays as it is
mkdir -p "$WORK/src" "$WORK/pack" "$WORK/app" "$WORK/home" "$WORK/xdg"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$WORK/src" 2>/dev/null) || true
[ -f "$WORK/src/package.json" ] || fail "copied the working tree"
ln -s "$ROOT/node_modules" "$WORK/src/node_modules"
(cd "$WORK/src" && npm pack --pack-destination "$WORK/pack" >"$WORK/pack.out" 2>"$WORK/pack.err") \
  || { cat "$WORK/pack.err" >&2; fail "npm pack"; }
TARBALL=$(ls "$WORK"/pack/tfgw-*.tgz)
ok "npm pack builds and packs $(basename "$TARBALL")"

tar tzf "$TARBALL" | sed 's#^package/##' | sort >"$WORK/files"
for f in package.json README.md LICENSE bin/tfgw binding.gyp scripts/build-native.js src/native/tfgw_native.c \
  dist/src/cli/main.js dist/src/client/index.js dist/src/client/index.d.ts dist/src/session/main.bundle.js; do
  grep -qx "$f" "$WORK/files" || fail "the tarball has $f"
done
unwanted=$(grep -E '^(test|docs|\.ci|deploy|dist/test)/|^src/.*\.ts$|^(tsconfig.*|biome)\.json$|^Dockerfile$' "$WORK/files" || true)
[ -z "$unwanted" ] || fail "the tarball ships only what runs, not: $(echo "$unwanted" | head -5 | tr '\n' ' ')"
ok "the tarball holds dist/src with declarations, bin, README, LICENSE, the native sources; no tests, CI or docs"

# --- a fresh directory with only the tarball
cd "$WORK/app"
printf '{ "name": "tfgw-package-check", "private": true, "allowScripts": { "tfgw": true } }\n' >package.json
# npm keeps this user's cache and configuration (HOME changes only for the server below).
npm i "$TARBALL" --no-audit --no-fund --prefer-offline >"$WORK/install.out" 2>"$WORK/install.err" \
  || { cat "$WORK/install.err" >&2; fail "npm i the tarball"; }
ok "npm i ./$(basename "$TARBALL") in a fresh directory"
if [ -f node_modules/tfgw/build/Release/tfgw_native.node ]; then echo "# the native helper was built at install"
else echo "# the native helper was not built at install: $(grep -h 'tfgw:' "$WORK/install.err" | head -n 1)"; fi

version=$(npx --no-install tfgw --version)
[ "$version" = "$(node -p "require('$ROOT/package.json').version")" ] || fail "npx tfgw --version printed $version"
ok "npx tfgw --version prints $version"

loaded=$(node -e "require('tfgw'); console.log(Object.keys(require.cache).filter((f) => /dist.src.(listener|session|settings|spool)/.test(f)).join(' '))")
[ -z "$loaded" ] || fail "require('tfgw') loads server code: $loaded"
[ "$(node -p "require('tfgw').connect === require('tfgw/client').connect")" = true ] || fail "tfgw/client is the same library"
esm=$(node --input-type=module -e "import { connect, TfClient, GatewayPeer } from 'tfgw'; console.log([connect, TfClient, GatewayPeer].map((x) => typeof x).join(' '))")
[ "$esm" = "function function function" ] || fail "import { connect } from 'tfgw' (Node's named exports of CommonJS): $esm"
ok "require('tfgw'), require('tfgw/client') and import { connect } from 'tfgw' give the client, loading no server code"

# --- npx tfgw serve, state outside node_modules
export HOME="$WORK/home" XDG_STATE_HOME="$WORK/xdg"
PORT=$(free_port)
npx --no-install tfgw serve --listen "127.0.0.1:$PORT" >"$WORK/serve.out" 2>"$WORK/serve.err" &
PIDS+=($!)
NPX=$!
wait_for "grep -q 'public key' '$WORK/serve.out'" 300 || fail "npx tfgw serve started"
LISTENER=$(sed -n 's/.*listener\[\([0-9]*\)\].*/\1/p' "$WORK/serve.err" | head -n 1)
[ -n "$LISTENER" ] && PIDS+=("$LISTENER")
KEY=$(sed -n 's/^  public key *//p' "$WORK/serve.out")
HASH=$(sed -n 's/^  hash *//p' "$WORK/serve.out")
SPOOL=$(sed -n 's/^  spool *//p' "$WORK/serve.out")
ok "npx tfgw serve listens on 127.0.0.1:$PORT (listener $LISTENER)"
# Gated until the settings take their defaults from src/settings/state-dir.ts.
if grep -rq --exclude=state-dir.js 'state-dir")' node_modules/tfgw/dist/src; then
  case "$KEY $SPOOL" in *node_modules*) fail "state under node_modules: $KEY, $SPOOL" ;; esac
  [ "$KEY" = "$XDG_STATE_HOME/tfgw/data/public.pem" ] || fail "the key in \$XDG_STATE_HOME/tfgw/data, not $KEY"
  [ "$SPOOL" = "$XDG_STATE_HOME/tfgw/spool" ] || fail "the spool in \$XDG_STATE_HOME/tfgw/spool, not $SPOOL"
  ok "state outside the package: $XDG_STATE_HOME/tfgw/{data,spool}"
else
  echo "# skip: the settings do not use src/settings/state-dir.ts yet; state went to $SPOOL"
fi

# --- three programs, one per module system, each exchanging a message both ways
exchange_body='
async function main() {
  const name = process.argv[2];
  const options = { host: "127.0.0.1", port: Number(process.env.PKG_PORT), version: "0.0",
    publicKey: readFileSync(String(process.env.PKG_KEY), "utf8"), hash: String(process.env.PKG_HASH) };
  const a = await connect(options);
  const b = await connect(options);
  const peerB = await b.enterGateway(`${name}-b`);
  const peerA = await a.enterGateway(`${name}-a`);
  await peerA.send(`${name}-b`, Buffer.from(`hello from ${name}`));
  const [got] = await peerB.receive(1);
  await peerB.send(`${name}-a`, Buffer.from(`back to ${name}`));
  const [back] = await peerA.receive(1);
  await peerA.leave();
  await peerB.leave();
  await finish([a, b]);
  console.log(`${name}: ${got.toString()} / ${back.toString()}`);
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});'
cat >program.cjs <<PROGRAM
const { readFileSync } = require('node:fs');
const { connect } = require('tfgw');
async function finish(clients) { for (const client of clients) await client.end(); }
$exchange_body
PROGRAM
cat >program.mjs <<PROGRAM
import { readFileSync } from 'node:fs';
import { connect } from 'tfgw/client';
async function finish(clients) { for (const client of clients) await client.end(); }
$exchange_body
PROGRAM
cat >program.ts <<PROGRAM
import { readFileSync } from 'node:fs';
import { connect } from 'tfgw';
import type { TfClient } from 'tfgw/client';
async function finish(clients: TfClient[]): Promise<void> { for (const client of clients) await client.end(); }
$exchange_body
PROGRAM
TSFLAGS=(--strict --module nodenext --moduleResolution nodenext --target es2022 --types node --typeRoots "$ROOT/node_modules/@types")
# An ES module in TypeScript resolves the package's declarations through the same exports.
printf '%s\n' "import { connect, type ConnectOptions } from 'tfgw';" \
  "export const open: (options: ConnectOptions) => ReturnType<typeof connect> = connect;" >esm-types.mts
"${TSC[@]}" "${TSFLAGS[@]}" --noEmit program.ts esm-types.mts || fail "program.ts type-checks with the tarball's declarations (tsc --strict)"
ok "program.ts and an .mts module type-check against the tarball's declarations with tsc --strict"
"${TSC[@]}" "${TSFLAGS[@]}" --outDir ts-out program.ts || fail "program.ts compiles"
export PKG_PORT=$PORT PKG_KEY=$KEY PKG_HASH=$HASH
for program in "ts-out/program.js ts" "program.mjs mjs" "program.cjs cjs"; do
  set -- $program
  out=$(timeout 30 node "$1" "$2") || fail "the $2 program exchanged messages"
  [ "$out" = "$2: hello from $2 / back to $2" ] || fail "the $2 program printed: $out"
  ok "the .$2 program connects, enters the gateway and exchanges messages both ways"
done

# --- stop: the listener drains, npx exits 0, no process of this package is left
kill -TERM "$LISTENER"
code=0
wait "$NPX" || code=$?
[ "$code" = 0 ] || fail "npx tfgw serve exits 0 on SIGTERM, got $code"
wait_for "! pgrep -f '$WORK/app/node_modules/tfgw' >/dev/null" 100 || fail "no session process left"
ok "SIGTERM stops the server (exit 0); no process of the installed package is left"
