# compare_html.sh - the HTML report renders in headless Chromium, offline, and the screenshot shows the charts.
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	skip "html renders in chromium" "chromium is not installed (make deps installs it; apt-get install chromium)"
	exit 0
fi

cd "$TOP/tests/fixtures/compare" || exit 1
"$NODEPERF" compare base.json -- cand.json cand2.json --thresholds rules.txt -o "$T/report.html"
check "html: written" test -s "$T/report.html"

# Root needs --no-sandbox; the profile lives in $T so nothing is left in $HOME. The report has
# no remote resources, and the network is not needed: --host-resolver-rules makes sure.
timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
	--user-data-dir="$T/profile" --host-resolver-rules="MAP * ~NOTFOUND" \
	--window-size=1300,2600 --screenshot="$T/shot.png" "file://$T/report.html" \
	>"$T/chromium.log" 2>&1
check "html: chromium took a screenshot" test -s "$T/shot.png"

# Decode the PNG with zlib alone (no PIL here): colours present and how much is not background.
check "html: the screenshot shows the report and both sides' curves" $PY - "$T/shot.png" "$TOP/tests/integration" <<'PY'
import sys
sys.dont_write_bytecode = True  # nothing left in the tree
sys.path.insert(0, sys.argv[2])
from png_colours import load, near as near_rgb

colours, total = load(sys.argv[1])
background = colours.get(b'\xff\xff\xff', 0)
near = lambda rgb: near_rgb(colours, rgb)
ink = 1 - background / total
assert len(colours) > 50, 'only %d colours: blank or flat' % len(colours)
assert ink > 0.03, 'only %.1f%% of the page is not white' % (100 * ink)
assert near((0x1f, 0x6f, 0xb4)) > 500, 'the baseline curves (blue) are not visible'
assert near((0xe8, 0x71, 0x0a)) > 500, 'the candidate curves (orange) are not visible'
assert near((0xc6, 0x28, 0x28)) > 200, 'no regression (red) is drawn'
PY
