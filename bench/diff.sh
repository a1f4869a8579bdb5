#!/usr/bin/env bash
# Diff benchmark: two 1,000-service sites committed in a temporary repository
# (100 images bumped, 10 services removed, 10 added, with rendered/), then
# `hearth diff` between the two commits beside `git diff --stat` of their
# rendered trees, in the same run.
# Usage: bench/diff.sh [runs]   (default 5; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --quiet
hearth=$PWD/target/release/hearth
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=bench/lib.sh
source bench/lib.sh

export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
repo=$work/repo
git init -q -b main "$repo"
python3 bench/gen_site.py 1000 > "$repo/site.toml"
$hearth render --site "$repo/site.toml" >/dev/null
git -C "$repo" add -A && git -C "$repo" commit -q -m one
base=$(git -C "$repo" rev-parse HEAD)

# 100 image bumps, 10 services gone (app-0990..0999), 10 new (app-1000..1009)
python3 bench/gen_site.py 1010 \
  | sed -E 's/(image = "ghcr.io\/example\/app:1\.)([0-9]{1,2})\.0"/\1\2.1"/' \
  | python3 -c '
import re, sys
keep = []
skip = False
for line in sys.stdin.read().split("\n"):
    m = re.match(r"\[services\.app-(\d{4})[].]", line)
    if m:
        skip = 990 <= int(m.group(1)) < 1000
    elif line.startswith("["):
        skip = False
    if not skip:
        keep.append(line)
text = "\n".join(keep)
for i in range(990, 1000):
    text = text.replace("\"app-%04d/data\", " % i, "")
print(text, end="")' > "$repo/site.toml"
$hearth render --site "$repo/site.toml" >/dev/null
git -C "$repo" add -A && git -C "$repo" commit -q -m two
head=$(git -C "$repo" rev-parse HEAD)

cd "$repo"
summary=$($hearth diff --base "$base" --head "$head" --format json | python3 -c '
import json, sys
r = json.load(sys.stdin)
c = {k: sum(1 for o in r["objects"] if o["change"] == k) for k in ("added", "removed", "changed")}
images = len(r["intent"]["images_changed"])
print("%d added, %d removed, %d changed objects; %d images changed" % (c["added"], c["removed"], c["changed"], images))')
stat=$(git diff --stat "$base" "$head" -- rendered | tail -n 1)
printf '%-44s %10s\n' command "median ms"
printf '%-44s %10s\n' "hearth diff (text)" "$(median_ms "$hearth" diff --base "$base" --head "$head")"
printf '%-44s %10s\n' "hearth diff --format markdown" "$(median_ms "$hearth" diff --base "$base" --head "$head" --format markdown)"
printf '%-44s %10s\n' "git diff --stat (rendered trees)" "$(median_ms git diff --stat "$base" "$head" -- rendered)"
printf '%-44s %10s\n' "git diff (full patch, rendered trees)" "$(median_ms git diff "$base" "$head" -- rendered)"
echo
echo "hearth: $summary"
echo "git:   $stat"
echo "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
