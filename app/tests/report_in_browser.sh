#!/usr/bin/env bash
# report_in_browser.sh LABGRADE SUBMISSION...
# Grades a small class and opens its report.html in headless Chromium with
# no network: the page parses, and the chart, the check table and the links
# to feedback are on it. Skipped (exit 77) where no Chromium can run.
set -u
labgrade=$1; shift
browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n $browser ]] || { echo "skipped: no chromium here"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/class"
for s in "$@"; do cp -r "$s" "$work/class/$(basename "$s")"; done
"$labgrade" grade --lab posix-shm --jobs 2 --out "$work/out" "$work/class" 2>/dev/null || { echo "grade failed"; exit 1; }
dom=$(timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$work/profile" \
  --dump-dom "file://$work/out/report.html" 2>/dev/null)
rc=$?
[[ $rc -eq 0 && -n $dom ]] || { echo "skipped: chromium did not run here (exit $rc)"; exit 77; }
status=0
for needle in '<svg class="chart"' 'id="check-table"' 'consumer removes the shared memory object' 'href="slides/feedback.txt"'; do
  [[ $dom == *"$needle"* ]] || { echo "the page as the browser sees it lacks: $needle"; status=1; }
done
exit $status
