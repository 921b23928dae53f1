#!/usr/bin/env bash
# Copy the front-end libraries pinned in package.json into the app's static files, with
# their licences, so the app serves every asset itself (no CDN).
#
# Idempotent and quick when already done: `npm ci` runs only when node_modules is missing
# or older than package-lock.json, and a file is copied only when it differs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# npm keeps a copy of the lock it installed from in node_modules/.package-lock.json;
# when package-lock.json is newer, the installed packages are stale.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund
fi

copied=0
vendor() {  # vendor <package dir under node_modules> <destination dir> <file>...
    local package="node_modules/$1" destination="townhall/web/static/vendor/$2"
    shift 2
    mkdir -p "$destination"
    for file in "$@"; do
        if [[ ! -f "$package/$file" ]]; then
            echo "vendor-static: $package/$file is missing; run 'npm ci' and check package.json" >&2
            exit 1
        fi
        if ! cmp -s "$package/$file" "$destination/$(basename "$file")"; then
            cp "$package/$file" "$destination/"
            copied=$((copied + 1))
        fi
    done
}

vendor htmx.org htmx dist/htmx.min.js LICENSE
# Charts (analytics dashboard only): Vega-Lite specs from Altair, drawn by vega-embed.
vendor vega vega build/vega.min.js LICENSE
# The source maps the minified files name: without them collectstatic's manifest storage
# refuses the reference (`sourceMappingURL`), and browsers' developer tools ask for them.
vendor vega-lite vega-lite build/vega-lite.min.js build/vega-lite.min.js.map LICENSE
vendor vega-embed vega-embed build/vega-embed.min.js build/vega-embed.min.js.map LICENSE

if ((copied)); then
    echo "vendor-static: copied $copied file(s) into townhall/web/static/vendor/"
fi
