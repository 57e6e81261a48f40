#!/usr/bin/env bash
# init.sh LABGRADE: `labgrade init bounded-buffer` makes a folder with the
# lab's starter files, its header and handout, whose programs build (the
# lab's build check passes); a second init there overwrites nothing (exit 2)
# and the student's edit survives.
set -u
labgrade=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$work" || exit 1
"$labgrade" init bounded-buffer >init.log 2>&1 || { cat init.log; fail "init failed"; }
for f in bb_producer.c bb_consumer.c bounded_buffer.h README.md; do
  [[ -f bounded-buffer/$f ]] || fail "init did not copy $f"
done
grep -q "labgrade check --lab bounded-buffer" init.log || fail "init does not say what to do next"
"$labgrade" check --lab bounded-buffer --only BuildsWithEveryBufferSize bounded-buffer >check.log 2>&1 || { cat check.log; fail "the starter does not build"; }
echo "/* my work */" >>bounded-buffer/bb_producer.c
"$labgrade" init bounded-buffer >again.log 2>&1
[[ $? -eq 2 ]] || { cat again.log; fail "a second init did not refuse"; }
grep -q "exists already" again.log || fail "the refusal does not say why"
grep -q "my work" bounded-buffer/bb_producer.c || fail "init overwrote the student's work"
echo "ok: init made a starting folder that builds, and overwrote nothing the second time"
