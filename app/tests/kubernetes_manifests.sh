#!/bin/sh
# kubernetes_manifests.sh DOCS_KUBERNETES
# The Indexed Job and its merge, read as Kubernetes would read them: valid
# YAML, batch/v1 Jobs, as many shards as completions and as the merge lists,
# each pod's index in its --out, no privilege (non-root, no capability, no
# escalation), one image; the Containerfile uses Debian's packages only.
# (kubectl 1.20's --dry-run needs an API server: this is the check offline.)
set -eu
dir=$1
command -v python3 >/dev/null 2>&1 && python3 -c 'import yaml' 2>/dev/null || { echo "skipped: needs python3-yaml"; exit 77; }
python3 - "$dir" <<'PY'
import re, sys, yaml
d = sys.argv[1]
def fail(why):
    print("FAIL:", why); sys.exit(1)
job = yaml.safe_load(open(f"{d}/labgrade-job.yaml"))
merge = yaml.safe_load(open(f"{d}/merge-job.yaml"))
for name, j in (("labgrade-job", job), ("merge-job", merge)):
    if j.get("apiVersion") != "batch/v1" or j.get("kind") != "Job": fail(f"{name} is not a batch/v1 Job")
    pod = j["spec"]["template"]["spec"]
    if pod.get("restartPolicy") not in ("OnFailure", "Never"): fail(f"{name}: a Job's restartPolicy must be OnFailure or Never")
    if pod.get("securityContext", {}).get("runAsNonRoot") is not True: fail(f"{name}: not runAsNonRoot")
    (c,) = pod["containers"]
    sc = c.get("securityContext", {})
    if sc.get("allowPrivilegeEscalation") is not False or sc.get("capabilities", {}).get("drop") != ["ALL"]:
        fail(f"{name}: privilege escalation or capabilities left")
spec = job["spec"]
if spec.get("completionMode") != "Indexed": fail("the grading Job is not Indexed")
args = job["spec"]["template"]["spec"]["containers"][0]["args"]
shards = int(args[args.index("--shards") + 1])
if spec["completions"] != shards: fail(f"completions {spec['completions']} but --shards {shards}")
out = args[args.index("--out") + 1]
if "$(JOB_COMPLETION_INDEX)" not in out: fail("--out does not hold the pod's index")
merged = merge["spec"]["template"]["spec"]["containers"][0]["args"]
expected = [out.replace("$(JOB_COMPLETION_INDEX)", str(k)) for k in range(shards)]
if merged[0] != "merge" or merged[2:] != expected: fail(f"the merge does not list the {shards} shards: {merged}")
images = {job["spec"]["template"]["spec"]["containers"][0]["image"], merge["spec"]["template"]["spec"]["containers"][0]["image"]}
if len(images) != 1: fail(f"two images: {images}")
text = open(f"{d}/Containerfile").read()
if not re.search(r"^FROM debian:12\s*$", text, re.M): fail("the image is not Debian 12's")
if re.search(r"\b(curl|wget|pip|npm)\b", text): fail("the image downloads something that is not a Debian package")
print(f"kubernetes: an Indexed Job of {shards} shards and its merge, no privilege, Debian's packages only")
PY
