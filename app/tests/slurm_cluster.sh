#!/usr/bin/env bash
# slurm_cluster.sh LABGRADE EXAMPLES SLURM_DOCS
# A class graded on a real Slurm: a one-node cluster (munged, slurmctld and
# slurmd from Debian's munge and slurm-wlm, in a folder of their own, on
# random ports) runs docs/slurm/submit.sh: an array of 4 tasks, then the
# merge job; grades.csv and report.html must equal one run over the class.
# Skipped (77) with the reason where the daemons are missing or cannot start.
set -u
labgrade=$(realpath "$1") examples=$(realpath "$2") docs=$(realpath "$3")
skip() { echo "skipped: $*"; exit 77; }
fail() { echo "FAIL: $*"; for log in "$work"/*.log; do echo "== $log"; tail -n 20 "$log"; done; exit 1; }
for tool in munged slurmctld slurmd sbatch squeue; do
  command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool ]] || skip "$tool is not installed (Debian: munge, slurm-wlm)"
done
[[ $(id -u) -eq 0 ]] || skip "slurmd launches tasks as their users: it needs root"
export PATH=$PATH:/usr/sbin
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

# munge: a key and a socket of the test's own.
head -c 1024 /dev/urandom >"$work/munge.key" && chmod 400 "$work/munge.key"
munged --foreground --force --socket="$work/munge.sock" --key-file="$work/munge.key" \
  --pid-file="$work/munged.pid" --seed-file="$work/munge.seed" --log-file="$work/munged.log" >"$work/munged.out" 2>&1 &
pids+=($!)
mkdir -p "$work/state" "$work/spool"
cat >"$work/slurm.conf" <<CONF
ClusterName=labgrade-ci
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge.sock
CredType=cred/munge
SlurmctldPort=$((20000 + RANDOM % 10000))
SlurmdPort=$((30000 + RANDOM % 10000))
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=localhost CPUs=2 State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
for i in $(seq 1 50); do [[ -S $work/munge.sock ]] && break; sleep 0.1; done
[[ -S $work/munge.sock ]] || skip "munged did not start: $(tail -n 3 "$work/munged.log" 2>/dev/null)"
slurmctld -D -f "$SLURM_CONF" >"$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/slurmd.out" 2>&1 &
pids+=($!)
for i in $(seq 1 100); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 0.1; done
sinfo -h -o %t 2>/dev/null | grep -q idle || skip "the one-node cluster did not come up: $(tail -n 3 "$work/slurmctld.log" "$work/slurmd.log" 2>/dev/null | tr '\n' ' ')"

# The class: 7 students, one of them buggy, one with nothing handed in.
class=$work/class
for i in $(seq 1 6); do mkdir -p "$class/student$i" && cp "$examples"/posix-shm/slides/*.c "$class/student$i/"; done
cp "$examples"/posix-shm/buggy/*.c "$class/student2/"
mkdir "$class/nothing"
"$labgrade" grade --lab posix-shm --out "$work/whole" "$class" >"$work/whole.log" 2>&1 || fail "the single run"

cd "$work" || exit 1
LAB=posix-shm SUBMISSIONS=$class OUT=$work/out LABGRADE=$labgrade "$docs/submit.sh" 4 >"$work/submit.log" 2>&1 ||
  fail "submit.sh: $(cat "$work/submit.log")"
for i in $(seq 1 1200); do
  [[ -z $(squeue -h 2>/dev/null) ]] && break
  squeue -h -o %r 2>/dev/null | grep -q DependencyNeverSatisfied && fail "an array task failed: $(cat "$work"/labgrade-*.log)"
  sleep 0.1
done
[[ -z $(squeue -h) ]] || fail "the jobs did not end within 120 s: $(squeue)"
[[ -f $work/out/grades.csv ]] || fail "the merge job wrote no grades.csv"
cmp -s "$work/whole/grades.csv" "$work/out/grades.csv" || { diff "$work/whole/grades.csv" "$work/out/grades.csv"; fail "grades.csv differs"; }
cmp -s "$work/whole/report.html" "$work/out/report.html" || fail "report.html differs"
echo "slurm: 4 array tasks and the merge job on a one-node cluster equal a single run"
