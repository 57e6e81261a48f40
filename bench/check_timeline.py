#!/usr/bin/env python3
"""Where `labgrade check` spends its time: runs it with LABGRADE_TRACE and
prints each step's time from the command's start, per process (the grader,
each check runner), then the median of RUNS runs for the main milestones.

    bench/check_timeline.py [--runs N] [--fresh] [-- labgrade check args...]

--fresh gives each run a copy of the sources with a comment of its own, so
the compiler runs (no compile cache), as for a student's new code.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_once(labgrade, args, trace, env):
    if os.path.exists(trace):
        os.remove(trace)
    start = time.monotonic() * 1000
    subprocess.run([labgrade] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    end = time.monotonic() * 1000
    events = []
    with open(trace) as f:
        for line in f:
            stamp, pid, what = line.rstrip("\n").split(" ", 2)
            events.append((float(stamp) - start, int(pid), what))
    return end - start, events


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--lab", default="posix-shm")
    parser.add_argument("--dir", default=os.path.join(ROOT, "examples/posix-shm/slides"))
    parser.add_argument("--jobs", type=int, default=0)
    opts = parser.parse_args()
    labgrade = os.path.join(ROOT, "build/labgrade")
    scratch = tempfile.mkdtemp(prefix="labgrade-timeline-")
    try:
        env = dict(os.environ, LABGRADE_TRACE=os.path.join(scratch, "trace"))
        env.setdefault("LABGRADE_CACHE_DIR", os.path.join(scratch, "cache"))
        base = ["check", "--lab", opts.lab] + (["--jobs", str(opts.jobs)] if opts.jobs else [])
        run_once(labgrade, base + [opts.dir], env["LABGRADE_TRACE"], env)  # warms the reference cache
        walls, milestones, last = [], {}, None
        for i in range(opts.runs):
            folder = opts.dir
            if opts.fresh:
                folder = os.path.join(scratch, f"fresh{i}")
                shutil.copytree(opts.dir, folder)
                for name in os.listdir(folder):
                    if name.endswith(".c"):
                        with open(os.path.join(folder, name), "a") as f:
                            f.write(f"/* run {i} */\n")
            wall, events = run_once(labgrade, base + [folder], env["LABGRADE_TRACE"], env)
            walls.append(wall)
            last = events
            firsts = {}
            for t, pid, what in events:
                key = what if not what.startswith(("check starts", "check ends", "runner")) else None
                if what == "runner ready":
                    key = "first runner ready"
                if what.startswith("check starts"):
                    key = "first check starts"
                if key and key not in firsts:
                    firsts[key] = t
            checks_end = max((t for t, _, w in events if w.startswith("check ends")), default=None)
            if checks_end is not None:
                firsts["last check ends"] = checks_end
            firsts["command ends"] = wall
            for k, v in firsts.items():
                milestones.setdefault(k, []).append(v)
        print(f"one run (the last), ms from the command's start:")
        pids = {}
        for t, pid, what in last:
            who = pids.setdefault(pid, "grader" if not pids else f"runner {len(pids) - 1}")
            print(f"  {t:8.1f}  {who:9} {what}")
        print(f"\nmedians of {opts.runs} runs, ms from the command's start:")
        for k, v in sorted(milestones.items(), key=lambda kv: statistics.median(kv[1])):
            print(f"  {statistics.median(v):8.1f}  {k}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
