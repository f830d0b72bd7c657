#!/usr/bin/python3
"""check_manifests.py - the structure deploy/*.yaml must keep: privileges, mounts, selectors, QoS.

usage: check_manifests.py DEPLOY_DIR  -- prints PASS:/FAIL: lines (tests/run.sh counts them).
A change to a manifest that drops a privilege, a mount or a setting the suite relies on, or lets
the DaemonSet and the Job drift apart, fails here with the reason.
"""
import copy
import os
import re
import sys

import yaml

SUBST = {"__POOL__": "testpool", "__OS_SKU__": "AzureLinux", "__IMAGE__": "example.azurecr.io/nodeperf:0.1.0",
         "__NODES__": "3"}
# mountPath -> (hostPath or None for emptyDir, readOnly)
MOUNTS = {
    "/usr": ("/usr", True),
    "/boot": ("/boot", True),
    "/sys/kernel/btf": ("/sys/kernel/btf", True),
    "/sys/fs/bpf": ("/sys/fs/bpf", False),
    "/sys/kernel/tracing": ("/sys/kernel/tracing", False),
    "/sys/fs/cgroup": ("/sys/fs/cgroup", False),
    "/io": ("/var/lib/nodeperf/io", False),
    "/var/tmp": (None, False),
    "/run": (None, False),
    "/results": (None, False),
}
failed = 0


def check(name, cond, why=""):
    global failed
    if cond:
        print(f"PASS: {name}")
    else:
        failed += 1
        print(f"FAIL: {name}{': ' + why if why else ''}")


def load(path):
    text = open(path).read()
    for k, v in SUBST.items():
        text = text.replace(k, v)
    try:
        return text, list(yaml.safe_load_all(text))
    except yaml.YAMLError as e:
        check(f"{os.path.basename(path)} parses", False, str(e))
        sys.exit(0)


def commented(text, pattern):
    """Every line matching pattern has a comment line right above it (each privilege says why)."""
    lines = text.splitlines()
    bad = []
    for i, line in enumerate(lines):
        if re.search(pattern, line):
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            if j < 0 or not lines[j].strip().startswith("#"):
                bad.append(f"line {i + 1}: {line.strip()}")
    return bad


def pod_checks(fname, text, tmpl, kind):
    spec = tmpl["spec"]
    meta = tmpl.get("metadata", {})
    ctrs = spec.get("containers", [])
    check(f"{fname}: one container", len(ctrs) == 1 and not spec.get("initContainers"))
    c = ctrs[0]
    check(f"{fname}: hostPID (ctrlife and runqlat report host pids)", spec.get("hostPID") is True)
    check(f"{fname}: hostNetwork (the snapshot records the node's net sysctls)", spec.get("hostNetwork") is True)
    check(f"{fname}: no service account token", spec.get("automountServiceAccountToken") is False)
    ns = spec.get("nodeSelector", {})
    check(f"{fname}: nodeSelector is the pool and its OS SKU",
          ns == {"kubernetes.azure.com/agentpool": "testpool", "kubernetes.azure.com/os-sku": "AzureLinux"}, str(ns))
    sc = c.get("securityContext", {})
    caps = set(sc.get("capabilities", {}).get("add", []))
    check(f"{fname}: privileged, or CAP_BPF/PERFMON/SYS_ADMIN/NET_ADMIN",
          sc.get("privileged") is True or {"BPF", "PERFMON", "SYS_ADMIN", "NET_ADMIN"} <= caps, str(sc))
    check(f"{fname}: AppArmor unconfined (Ubuntu's default profile denies mount/bpf)",
          meta.get("annotations", {}).get(f"container.apparmor.security.beta.kubernetes.io/{c['name']}") == "unconfined")
    res = c.get("resources", {})
    req, lim = res.get("requests", {}), res.get("limits", {})
    check(f"{fname}: Guaranteed QoS (requests == limits for cpu and memory)",
          set(req) >= {"cpu", "memory"} and req == lim, str(res))
    check(f"{fname}: whole CPUs (the static CPU manager pins them)",
          re.fullmatch(r"[1-9][0-9]*", str(lim.get("cpu", ""))) is not None, str(lim.get("cpu")))
    tol = spec.get("tolerations", [])
    check(f"{fname}: tolerates the GPU taints",
          any(t.get("key") == "nvidia.com/gpu" and t.get("operator") == "Exists" for t in tol) and
          any(t.get("key") == "sku" and t.get("value") == "gpu" for t in tol), str(tol))
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    for path, (host, ro) in MOUNTS.items():
        m = mounts.get(path)
        if not m:
            check(f"{fname}: mounts {path}", False, "missing")
            continue
        v = vols.get(m["name"], {})
        got = v.get("hostPath", {}).get("path") if "hostPath" in v else None
        ok = (got == host) and (("emptyDir" in v) if host is None else True) and bool(m.get("readOnly")) == ro
        check(f"{fname}: mounts {path} from {host or 'an emptyDir'}{' read-only' if ro else ''}", ok, str(v))
    args = c.get("args", [])
    env = {e["name"]: e for e in c.get("env", [])}
    check(f"{fname}: NODE_NAME from spec.nodeName",
          env.get("NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "spec.nodeName")
    check(f"{fname}: args run ... --log-markers --io-dir /io --out /results/$(NODE_NAME).json",
          args[:1] == ["run"] and "--log-markers" in args and args[args.index("--io-dir") + 1] == "/io" and
          args[args.index("--out") + 1] == "/results/$(NODE_NAME).json", str(args))
    check(f"{fname}: {'--hold (a DaemonSet restarts what exits)' if kind == 'DaemonSet' else 'no --hold (a Job pod ends)'}",
          ("--hold" in args) == (kind == "DaemonSet"), str(args))
    bad = commented(text, r"^\s+(privileged|hostPID|hostNetwork|nodeSelector|resources|tolerations):")
    check(f"{fname}: each privilege and setting says why in a comment", not bad, "; ".join(bad))
    # each volumeMounts entry ("- name: X" then "mountPath:") has a comment above it
    lines = text.splitlines()
    bad = [lines[i - 1].strip() for i, ln in enumerate(lines)
           if re.match(r"^\s+mountPath: ", ln) and i >= 2 and not lines[i - 2].strip().startswith("#")]
    check(f"{fname}: each mount says why in a comment", not bad, "; ".join(bad))


def main():
    d = sys.argv[1]
    ds_text, ds_docs = load(os.path.join(d, "daemonset.yaml"))
    job_text, job_docs = load(os.path.join(d, "job.yaml"))
    check("daemonset.yaml parses", True)
    check("job.yaml parses", True)
    kinds = [x.get("kind") for x in ds_docs if x]
    check("daemonset.yaml: a Namespace and a DaemonSet", kinds == ["Namespace", "DaemonSet"], str(kinds))
    kinds = [x.get("kind") for x in job_docs if x]
    check("job.yaml: a Namespace and a Job", kinds == ["Namespace", "Job"], str(kinds))
    ds = ds_docs[1]
    job = job_docs[1]
    for doc in (ds, job):
        check(f"{doc['kind']}: namespace nodeperf, name per pool",
              doc["metadata"]["namespace"] == "nodeperf" and doc["metadata"]["name"] == "nodeperf-testpool")
        labels = doc["spec"]["template"]["metadata"]["labels"]
        check(f"{doc['kind']}: pods labelled app.kubernetes.io/name=nodeperf (collect's default selector)",
              labels.get("app.kubernetes.io/name") == "nodeperf")
    check("DaemonSet: selector matches the template",
          all(ds["spec"]["template"]["metadata"]["labels"].get(k) == v
              for k, v in ds["spec"]["selector"]["matchLabels"].items()))
    check("DaemonSet: OnDelete (a template change does not rerun the suite everywhere)",
          ds["spec"].get("updateStrategy", {}).get("type") == "OnDelete")
    pod_checks("daemonset.yaml", ds_text, ds["spec"]["template"], "DaemonSet")
    pod_checks("job.yaml", job_text, job["spec"]["template"], "Job")

    js = job["spec"]
    check("Job: completions == parallelism == N, no retries",
          js.get("completions") == js.get("parallelism") == 3 and js.get("backoffLimit") == 0, str(js))
    jspec = js["template"]["spec"]
    check("Job: restartPolicy Never", jspec.get("restartPolicy") == "Never")
    aa = jspec.get("affinity", {}).get("podAntiAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution", [])
    jl = js["template"]["metadata"]["labels"]
    check("Job: one pod per node (required anti-affinity on the hostname)",
          any(t.get("topologyKey") == "kubernetes.io/hostname" and
              all(jl.get(k) == v for k, v in t.get("labelSelector", {}).get("matchLabels", {}).items())
              for t in aa), str(aa))

    # The two pod templates differ only where documented.
    a = copy.deepcopy(ds["spec"]["template"])
    b = copy.deepcopy(job["spec"]["template"])
    a["spec"]["containers"][0]["args"].remove("--hold")
    for k in ("restartPolicy", "affinity"):
        b["spec"].pop(k, None)
    b["metadata"]["labels"].pop("nodeperf/job", None)
    check("the Job's pod template is the DaemonSet's (but --hold, restartPolicy, anti-affinity)", a == b)

    gp = yaml.safe_load(open(os.path.join(d, "gpu-patch.yaml")))
    gc = gp["spec"]["template"]["spec"]["containers"][0]
    gv = {v["name"]: v for v in gp["spec"]["template"]["spec"]["volumes"]}
    check("gpu-patch.yaml: patches the nodeperf container with a mounted driver root",
          gc["name"] == ds["spec"]["template"]["spec"]["containers"][0]["name"] and
          all(m["name"] in gv and m.get("readOnly") for m in gc["volumeMounts"]))

    ci_text = open(os.path.join(d, "ci", "release-gate.yml")).read()
    ci = yaml.safe_load(ci_text)
    runs = " ".join(st.get("run", "") for st in ci["jobs"]["gate"]["steps"])
    check("ci/release-gate.yml: an example that parses, labelled as one", "EXAMPLE" in ci_text.split("\n")[0])
    check("ci/release-gate.yml: deploys both pools, collects, compares with the shipped thresholds",
          runs.count("deploy/daemonset.yaml") == 1 and runs.count("nodeperf collect --pool") == 2 and
          "--thresholds results/thresholds.default --format junit" in runs and "--format md" in runs)
    steps = ci["jobs"]["gate"]["steps"]
    check("ci/release-gate.yml: removes the DaemonSets and publishes even on failure, then fails on a regression",
          any("delete daemonset" in st.get("run", "") and st.get("if") == "always()" for st in steps) and
          "exit 1" in steps[-1].get("run", ""))

    cp = yaml.safe_load(open(os.path.join(d, "caps-patch.yaml")))
    csc = cp["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    check("caps-patch.yaml: not privileged, exactly CAP_BPF/PERFMON/SYS_ADMIN/NET_ADMIN, seccomp unconfined",
          csc.get("privileged") is False and csc["capabilities"]["drop"] == ["ALL"] and
          sorted(csc["capabilities"]["add"]) == ["BPF", "NET_ADMIN", "PERFMON", "SYS_ADMIN"] and
          csc.get("seccompProfile", {}).get("type") == "Unconfined", str(csc))

    cf = open(os.path.join(d, "Containerfile")).read()
    check("Containerfile: FROM scratch, entrypoint the static binary",
          re.search(r"^FROM scratch\s*$", cf, re.M) is not None and
          '"/opt/nodeperf/bin/nodeperf"' in cf and "LD_LIBRARY_PATH=" not in cf)
    return 0


if __name__ == "__main__":
    main()
