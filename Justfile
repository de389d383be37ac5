# AMPS: every recipe installs what it needs, and running it twice is harmless.

set shell := ["bash", "-euo", "pipefail", "-c"]

tools := env_var('HOME') / ".cache/amps/tools"
export PATH := tools / "bin" + ":" + env_var('HOME') / ".cargo/bin:" + env_var('PATH')
wasm_bindgen_version := "0.2.130"
wasm_split_version := "0.2.4"
schemathesis_version := "4.32.5"
pg_url := env_var_or_default('AMPS_TEST_PG_URL', 'postgres://postgres@127.0.0.1:5432')

# List the recipes.
default:
    @just --list

# Build the web app and the server, load demo data, and serve on http://127.0.0.1:8080.
run: web
    cargo build --release -p amps
    ./target/release/amps seed --demo
    AMPS_DEV_MAILBOX=true ./target/release/amps serve

# Everything CI runs: format, lints, unit and API tests on SQLite and PostgreSQL, browser journeys.
test: check _pg-ready _nextest _npm
    cargo build -p amps
    cargo nextest run --no-fail-fast
    just api-fuzz
    just e2e

# Format check, clippy with warnings as errors, OpenAPI drift, and the dependency audit.
check:
    cargo fmt --all --check
    cargo clippy --all-targets -- -D warnings
    just openapi
    git diff --exit-code -- openapi/openapi.json || (echo "openapi/openapi.json was stale: commit the regenerated file" && exit 1)
    just deny

# Dependencies: cargo audit (.cargo/audit.toml) and cargo-deny (deny.toml): known
# vulnerabilities from the RustSec advisory database, licenses, banned crates and sources. The
# database is fetched from GitHub when it answers within 20 s; otherwise the snapshot committed
# in .ci/ is used (this machine reaches crates.io but not GitHub; the snapshot's date is
# printed).
deny: _cargo-deny _cargo-audit
    #!/usr/bin/env bash
    set -euo pipefail
    root="$HOME/.cache/amps/advisory-dbs"
    # cargo-deny's directory for https://github.com/rustsec/advisory-db under db-path.
    db="$root/advisory-db-3157b0e258782691"
    mkdir -p "$root"
    if timeout 20 git ls-remote https://github.com/rustsec/advisory-db HEAD >/dev/null 2>&1; then
        cargo deny --locked check
        cargo audit
    else
        if [ ! -f "$db/.snapshot" ] || ! cmp -s .ci/rustsec-advisory-db.tar.gz "$db/.snapshot"; then
            rm -rf "$db" && mkdir -p "$db"
            tar xzf .ci/rustsec-advisory-db.tar.gz -C "$db" --strip-components=1
            cp .ci/rustsec-advisory-db.tar.gz "$db/.snapshot"
            (cd "$db" && git init -q && git add crates && \
                GIT_COMMITTER_DATE="$(cat SNAPSHOT_DATE)" git -c user.name=amps -c user.email=amps@localhost \
                commit -q --date "$(cat SNAPSHOT_DATE)" -m "RustSec advisory-db snapshot")
        fi
        echo "GitHub is out of reach: advisories from the RustSec snapshot of $(cat "$db/SNAPSHOT_DATE")"
        # Offline, cargo-deny reads the metadata of every target's crates: fetch them (crates.io
        # answers; a build fetches only this machine's).
        cargo fetch --locked
        cargo deny --locked --offline check
        cargo audit --no-fetch --db "$db"
    fi

# Refresh .ci/rustsec-advisory-db.tar.gz from GitHub (run where GitHub answers; commit it).
deny-snapshot:
    #!/usr/bin/env bash
    set -euo pipefail
    tmp="$(mktemp -d)"
    git clone -q --depth 1 https://github.com/rustsec/advisory-db "$tmp/advisory-db"
    git -C "$tmp/advisory-db" show -s --format=%cI HEAD > "$tmp/advisory-db/SNAPSHOT_DATE"
    tar czf .ci/rustsec-advisory-db.tar.gz -C "$tmp" advisory-db/crates advisory-db/LICENSE.txt advisory-db/SNAPSHOT_DATE
    rm -rf "$tmp"

# Regenerate openapi/openapi.json from the handlers.
openapi:
    cargo run -q -p amps -- openapi > openapi/openapi.json.tmp
    mv openapi/openapi.json.tmp openapi/openapi.json

# Build the SPA into web/dist (wasm32, in its own target dir), split at the lazy routes.
web: _wasm-toolchain _wasm-bindgen _wasm-split
    #!/usr/bin/env bash
    set -euo pipefail
    # Relocations let wasm-split cut the module at the lazily loaded screens (web/src/lazy.rs).
    split="-Clink-args=--emit-relocs --cfg=erase_components"
    if rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
        RUSTFLAGS="$split" cargo build --profile wasm-release --target wasm32-unknown-unknown \
            -p amps-web --target-dir target/wasm
    else
        # Debian's rustc-web ships the std sources; build std for wasm32 from them.
        # std is built here anyway, so build it for size too (the first load has a 400 KB
        # budget): no Debug text, panic locations or panic messages are shipped (users see
        # the SPA's own messages, never a panic's), and components return type-erased views.
        PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 \
            RUSTFLAGS="-Zlocation-detail=none -Zfmt-debug=none -Zunstable-options -Cpanic=immediate-abort $split" \
            cargo build --profile wasm-release --target wasm32-unknown-unknown \
            -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size \
            -p amps-web --target-dir target/wasm
    fi
    rm -rf web/dist.new && mkdir -p web/dist.new
    # The main module (then bound by wasm-bindgen), one chunk per lazy screen plus shared
    # chunks, and __wasm_split.js, which fetches a chunk the first time its screen is opened.
    wasm-split-cli target/wasm/wasm32-unknown-unknown/wasm-release/amps-web.wasm web/dist.new \
        --target web --out-name amps_web
    wasm-bindgen --target web --keep-lld-exports --no-demangle --remove-name-section \
        --no-typescript --out-name amps_web --out-dir web/dist.new web/dist.new/amps_web.wasm
    rm web/dist.new/amps_web.wasm
    cp web/index.html web/static/* web/dist.new/
    rm -rf web/dist && mv web/dist.new web/dist
    just web-size

# Print the compressed (gzip -9) size of the first page load and of each on-demand chunk.
web-size:
    #!/usr/bin/env bash
    set -euo pipefail
    total=0
    for f in web/dist/*; do
        n=$(gzip -9 -c "$f" | wc -c)
        case "$(basename "$f")" in
            amps_web_bg.wasm|*.js|*.css|*.html) total=$((total + n)); when="first load" ;;
            *) when="on demand" ;;
        esac
        printf '  %-34s %8d bytes raw %8d bytes gzip  %s\n' "$(basename "$f")" "$(wc -c < "$f")" "$n" "$when"
    done
    printf '  %-34s %8s           %8d bytes gzip (first load)\n' total "" "$total"

# The first load's budget: gzip size of wasm + js + css (≤ 400 KB, fails when over) and time to
# interactive after navigation in headless Chromium on localhost (target 1 s, printed). Also
# part of `just e2e`.
web-budget: web _chromium _npm
    cargo build -p amps
    cd e2e/browser && node budget.mjs --enforce

# Speed on SQLite and PostgreSQL, printed against the targets: first the release `amps serve`
# under 32 keep-alive connections over loopback (reads, tokens, refresh, sign-in, memory on the
# demo data; reads again at scale 0.1 and 1, with their growth; recorded in
# api/benches/results/), then the workflow at scale (100k users, 2k roles, 1M assignments,
# 100k open SAARs: submit and approve beside the bare commit rate). AMPS_BENCH_DB=sqlite|postgres
# runs one database, AMPS_BENCH_SCALE=0 skips the HTTP stage at scale.
bench: _pg-ready
    cargo build --release -p amps
    cargo bench -p amps --bench http
    cargo bench -p amps --bench workflow

# Browser journeys (Playwright + Debian Chromium) against the debug binary and the built SPA.
e2e: web _chromium _npm
    cargo build -p amps
    cd e2e/browser && npx playwright test
    # The first-load size (fails over budget) and the time to interactive (printed).
    cd e2e/browser && node budget.mjs --enforce

# The document and the server agree: schemathesis generates requests for every operation of
# the served OpenAPI document (bounded examples, fixed seed), signed in as an administrator and
# as a plain user, and fails on any 5xx or any status, content type or body the document does
# not describe. One worker: with two threads, Hypothesis's lambda-source parsing hit CPython
# 3.11's AST "recursion depth mismatch" SystemError once (a tool crash, not a server fault).
api-fuzz: _schemathesis
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build -q -p amps
    port=18091
    dir=$(mktemp -d)
    export AMPS_DATA_DIR="$dir" AMPS_BIND="127.0.0.1:$port" AMPS_WEB_DIR=/nonexistent AMPS_SMTP_URL= AMPS_DEV_MAILBOX=true
    ./target/debug/amps seed --demo >/dev/null
    ./target/debug/amps serve >"$dir/serve.log" 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
    token() {
        curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
            -d "{\"user_id\":\"$1\",\"password\":\"Demo password for AMPS 2026\"}" \
            | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
    }
    # An administrator signs in with a second factor: set one up at the first sign-in (which
    # proves it for that sign-in), then take the sign-in's new token.
    admin_token() {
        python3 - "$port" <<'PY'
    import base64, hashlib, hmac, http.cookiejar, json, struct, sys, time, urllib.request
    base = f"http://127.0.0.1:{sys.argv[1]}/api/v1"
    web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    def call(path, body=None, token=None):
        req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                     method="POST", headers={"content-type": "application/json"})
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        return json.load(web.open(req))
    token = call("/auth/login", {"user_id": "aadmin", "password": "Demo password for AMPS 2026"})["access_token"]
    setup = call("/me/mfa/totp", token=token)
    secret = setup["secret"]
    # The first second factor of a password-only sign-in needs the code mailed to the owner.
    mails = json.load(web.open(base + "/dev/mailbox"))["messages"]
    body = next(m["body"] for m in mails if m["to"] == setup["email_code_sent_to"] and "code to set up" in m["subject"])
    emailed = body[body.index(" is ") + 4:][:6]
    mac = hmac.new(base64.b32decode(secret), struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 15
    code = (struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000
    call("/me/mfa/totp/confirm", {"code": f"{code:06d}", "email_code": emailed}, token)
    print(call("/auth/refresh")["access_token"])
    PY
    }
    # Both tokens first: the run tries logins, which the address throttle then slows.
    admin=$(admin_token)
    user=$(token jrequester)
    for t in "$admin" "$user"; do
        "{{tools}}/venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
            -H "Authorization: Bearer $t" \
            --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
            --phases examples,coverage,fuzzing --max-examples 15 --seed 2026 --no-color \
            --warnings off --workers 1 --generation-database none
    done

# Apply migrations to the configured database.
migrate:
    cargo run -q -p amps -- migrate

# Drop test databases left on the local PostgreSQL by earlier runs.
clean-test-dbs:
    #!/usr/bin/env bash
    set -euo pipefail
    for db in $(psql "{{pg_url}}/postgres" -Atc "select datname from pg_database where datname like 'amps_test_%'"); do
        psql "{{pg_url}}/postgres" -qc "drop database if exists $db" >/dev/null
    done

_pg-ready:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    just clean-test-dbs

_sudo := if `id -u` == "0" { "" } else { "sudo" }

_apt +packages:
    #!/usr/bin/env bash
    set -euo pipefail
    missing=()
    for p in {{packages}}; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        {{_sudo}} apt-get update -qq
        DEBIAN_FRONTEND=noninteractive {{_sudo}} apt-get install -y -qq "${missing[@]}"
    fi

_wasm-toolchain:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
        just _apt rustc-web cargo-web rust-web-src rust-web-llvm lld-22
    fi

_wasm-split:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v wasm-split-cli >/dev/null 2>&1 || [ "$(cat "{{tools}}/.wasm-split-version" 2>/dev/null)" != "{{wasm_split_version}}" ]; then
        cargo install --locked wasm_split_cli_support --version {{wasm_split_version}} --features build-binary --root "{{tools}}"
        echo "{{wasm_split_version}}" > "{{tools}}/.wasm-split-version"
    fi

_wasm-bindgen:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen {{wasm_bindgen_version}}" ]; then
        cargo install wasm-bindgen-cli --version {{wasm_bindgen_version}} --root "{{tools}}"
    fi

_cargo-deny:
    #!/usr/bin/env bash
    set -euo pipefail
    command -v cargo-deny >/dev/null 2>&1 || cargo install cargo-deny --version 0.20.2 --locked --root "{{tools}}"

_cargo-audit:
    #!/usr/bin/env bash
    set -euo pipefail
    command -v cargo-audit >/dev/null 2>&1 || cargo install cargo-audit --version 0.22.2 --locked --root "{{tools}}"

_nextest:
    #!/usr/bin/env bash
    set -euo pipefail
    command -v cargo-nextest >/dev/null 2>&1 || cargo install cargo-nextest --locked --root "{{tools}}"

_schemathesis:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ "$("{{tools}}/venv/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}')" != "{{schemathesis_version}}" ]; then
        python3 -m venv "{{tools}}/venv"
        "{{tools}}/venv/bin/pip" install -q "schemathesis=={{schemathesis_version}}"
    fi

_chromium:
    # openssl makes the PIV/CAC journey's certificates (e2e/browser/pki.sh).
    just _apt chromium openssl

_npm:
    #!/usr/bin/env bash
    set -euo pipefail
    cd e2e/browser
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        npm ci --no-audit --no-fund
    fi
