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
check "html: the screenshot shows the report and both sides' curves" $PY - "$T/shot.png" <<'PY'
import struct, sys, zlib

data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
        assert depth == 8 and ctype in (2, 6), (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = {}
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1:
            line[x] = (line[x] + a) & 255
        elif f == 2:
            line[x] = (line[x] + b) & 255
        elif f == 3:
            line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        px = bytes(line[x:x + 3])
        colours[px] = colours.get(px, 0) + 1
    prev = line

total = w * h
background = colours.get(b'\xff\xff\xff', 0)
near = lambda rgb: sum(n for px, n in colours.items() if all(abs(px[i] - rgb[i]) < 40 for i in range(3)))
ink = 1 - background / total
assert len(colours) > 50, 'only %d colours: blank or flat' % len(colours)
assert ink > 0.03, 'only %.1f%% of the page is not white' % (100 * ink)
assert near((0x1f, 0x6f, 0xb4)) > 500, 'the baseline curves (blue) are not visible'
assert near((0xe8, 0x71, 0x0a)) > 500, 'the candidate curves (orange) are not visible'
assert near((0xc6, 0x28, 0x28)) > 200, 'no regression (red) is drawn'
PY
