#!/bin/sh
# deploy_manifests.sh - deploy/*.yaml parse and keep the privileges, mounts, selectors and QoS the design requires.
. "$(dirname "$0")/lib.sh"

$PY -c 'import yaml' 2>/dev/null || { skip deploy_manifests "python3-yaml is not installed"; exit 0; }
$PY "$TOP/tests/deploy/check_manifests.py" "$TOP/deploy"

# The check must be able to fail: drop hostPID and a mount, make the QoS Burstable.
mkdir -p "$T/bad"
cp -r "$TOP/deploy/." "$T/bad/"
sed -i -e '/hostPID: true/d' -e 's|mountPath: /sys/kernel/btf|mountPath: /sys/kernel/btf2|' \
	-e '0,/memory: 2Gi/s//memory: 1Gi/' "$T/bad/daemonset.yaml"
out=$($PY "$TOP/tests/deploy/check_manifests.py" "$T/bad")
for what in "daemonset.yaml: hostPID" "daemonset.yaml: mounts /sys/kernel/btf" "daemonset.yaml: Guaranteed QoS" \
	"the Job's pod template is the DaemonSet's"; do
	echo "$out" | grep -q "^FAIL: $what" && pass "a drift is caught: $what" || fail "a drift is caught: $what"
done
