#!/usr/bin/python3
"""podman_args.py - the podman run flags that reproduce a manifest's pod: security context, mounts, env.

usage: podman_args.py MANIFEST NODE_NAME [--patch SECURITY_PATCH] [HOSTPATH=LOCALDIR]...
prints one argument per line:
the podman flags, then a line "--", then the container's args (the kubelet's $(VAR) expansion done).
--patch takes the container securityContext of a strategic-merge patch (deploy/caps-patch.yaml).
hostPath volumes are bind-mounted from the same host path unless remapped (a scratch dir for the
I/O directory on a CI machine); emptyDirs become tmpfs; resources become --cpus/--memory.
"""
import re
import sys

import yaml


def pod_of(path):
    for doc in yaml.safe_load_all(open(path)):
        if doc and doc.get("kind") in ("DaemonSet", "Job"):
            return doc["spec"]["template"]
    sys.exit(f"{path}: no DaemonSet or Job")


def mem_bytes(q):
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi)?", str(q))
    return int(m.group(1)) * {None: 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30}[m.group(2)]


def main():
    path, node, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    patch = None
    if rest[:1] == ["--patch"]:
        patch, rest = rest[1], rest[2:]
    remap = dict(a.split("=", 1) for a in rest)
    tmpl = pod_of(path)
    spec, meta = tmpl["spec"], tmpl.get("metadata", {})
    (ctr,) = spec["containers"]
    if patch:
        (pc,) = yaml.safe_load(open(patch))["spec"]["template"]["spec"]["containers"]
        assert pc["name"] == ctr["name"], "the patch names another container"
        ctr["securityContext"] = pc["securityContext"]
    out = []
    if spec.get("hostPID"):
        out += ["--pid", "host"]
    if spec.get("hostNetwork"):
        out += ["--network", "host"]
    sc = ctr.get("securityContext", {})
    if sc.get("privileged"):
        out.append("--privileged")
    for cap in sc.get("capabilities", {}).get("drop", []):
        out += ["--cap-drop", cap.lower()]
    for cap in sc.get("capabilities", {}).get("add", []):
        out += ["--cap-add", cap]
    if sc.get("seccompProfile", {}).get("type") == "Unconfined":
        out += ["--security-opt", "seccomp=unconfined"]
    if sc.get("allowPrivilegeEscalation") is False:
        out += ["--security-opt", "no-new-privileges"]
    ann = meta.get("annotations", {})
    if ann.get(f"container.apparmor.security.beta.kubernetes.io/{ctr['name']}") == "unconfined":
        out += ["--security-opt", "apparmor=unconfined"]
    lim = ctr.get("resources", {}).get("limits", {})
    if "cpu" in lim:
        out += ["--cpus", str(lim["cpu"])]
    if "memory" in lim:
        out += ["--memory", str(mem_bytes(lim["memory"]))]
    env = {}
    for e in ctr.get("env", []):
        if "value" in e:
            env[e["name"]] = e["value"]
        elif e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "spec.nodeName":
            env[e["name"]] = node
    for k, v in env.items():
        out += ["-e", f"{k}={v}"]
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    for m in ctr.get("volumeMounts", []):
        v = vols[m["name"]]
        ro = ":ro" if m.get("readOnly") else ""
        if "hostPath" in v:
            src = remap.get(v["hostPath"]["path"], v["hostPath"]["path"])
            out += ["-v", f"{src}:{m['mountPath']}{ro}"]
        elif "emptyDir" in v:
            out += ["--tmpfs", m["mountPath"]]
        else:
            sys.exit(f"{path}: volume {m['name']}: only hostPath and emptyDir are mapped")
    out.append("--")
    for a in ctr.get("args", []):
        out.append(re.sub(r"\$\((\w+)\)", lambda mo: env.get(mo.group(1), mo.group(0)), a))
    print("\n".join(out))


if __name__ == "__main__":
    main()
