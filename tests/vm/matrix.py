#!/usr/bin/env python3
"""matrix.py - the vmtest matrix from the VMs' console logs (CACHE/console-K.log).

usage: matrix.py CACHE KERNEL[=LOG]... [--out FILE.md] [--extra KERNEL=LOG]...
--extra: an earlier boot's console log of KERNEL whose tests the last boot did
not run (its results are listed with the source).
Per kernel: the rung each probe gets, the tests' counts and time, which benches
ran and which skipped with the reason, leftovers, and the VM's wall time."""
import datetime
import os
import re
import sys


def parse(path):
    k = {'tests': [], 'rungs': {}, 'ran': [], 'skipped': [], 'fails': [], 'fatal': [],
         'total': None, 'wall': None, 'qrc': None, 'kernel': '?', 'cgroup': '?', 'leftovers': '?',
         'btf': '?', 'suite_rc': None}
    if not os.path.exists(path):
        k['fatal'].append('no console log')
        return k
    in_list = False
    cur = ''
    open_fail = False
    for line in open(path, errors='replace'):
        line = re.sub(r'\x1b(\[[0-9;?]*[A-Za-z]|c)', '', line.rstrip('\n'))
        if line.startswith('VMTEST: BEGIN list'):
            in_list = True
            continue
        if line.startswith('VMTEST: END list'):
            in_list = False
            continue
        if in_list:
            m = re.match(r'^(runqlat|syslat|ctrlife|biolat|softirq|tcpconnlat|tcprtt)\s+(\S+)', line)
            if m:
                k['rungs'][m.group(1)] = m.group(2)
            continue
        if line.startswith('VMTEST: BEGIN test '):
            cur = line.split()[-1]
        if line.startswith('FAIL: '):
            k['fails'].append('%s: %s' % (cur, line[6:]) if cur else line[6:])
            open_fail = 'Traceback' in line
        elif line.startswith(('PASS: ', 'SKIP: ', 'VMTEST: ')):
            open_fail = False
        elif open_fail and re.match(r'^\w+(Error|Exception): ', line):
            k['fails'][-1] += ' ' + line[:200]
            open_fail = False
        if 'VMTEST-FATAL' in line or 'Kernel panic' in line or re.search(r'\bBUG:|\bOops\b', line):
            k['fatal'].append(line.strip())
        m = re.match(r'^VMTEST: (.*)$', line)
        if not m:
            continue
        s = m.group(1)
        if s.startswith('kernel '):
            k['kernel'] = s[7:]
        elif s.startswith('cgroup2 '):
            k['cgroup'] = s[8:]
        elif s.startswith('btf '):
            k['btf'] = s[4:]
        elif s.startswith('END test '):
            t = re.match(r'END test (\S+) rc=(\d+) pass=(\d+) fail=(\d+) skip=(\d+) secs=([\d.]+)', s)
            if t:
                k['tests'].append(dict(name=t.group(1), rc=int(t.group(2)), p=int(t.group(3)),
                                       f=int(t.group(4)), s=int(t.group(5)), secs=float(t.group(6))))
        elif s.startswith('ran '):
            k['ran'].append(s[4:])
        elif s.startswith('skipped '):
            b, _, r = s[8:].partition(' :: ')
            k['skipped'].append((b, r))
        elif s.startswith('suite rc='):
            k['suite_rc'] = s[9:]
        elif s.startswith('snapshot containers '):
            k['snapshot'] = s[len('snapshot containers '):].strip()
        elif s.startswith('leftovers '):
            k['leftovers'] = s[10:]
        elif s.startswith('TOTAL '):
            k['total'] = dict(re.findall(r'(\w+)=([\d.]+)', s))
        elif s.startswith('host qemu '):
            d = dict(re.findall(r'(\w+)=(\d+)', s))
            k['qrc'], k['wall'] = int(d.get('rc', -1)), int(d.get('wall', 0))
    return k


def family(name):
    p = name.split('.')
    return '.'.join(p[:2]) if p[0] == 'container' else p[0]


def main():
    args = sys.argv[1:]
    out = None
    if '--out' in args:
        i = args.index('--out')
        out = args[i + 1]
        del args[i:i + 2]
    extra = []
    while '--extra' in args:
        i = args.index('--extra')
        extra.append(args[i + 1].split('=', 1))
        del args[i:i + 2]
    cache = args[0]
    # KERNEL or KERNEL=LOG (another console log than CACHE/console-KERNEL.log)
    logs = dict((a.split('=', 1) if '=' in a else (a, os.path.join(cache, 'console-%s.log' % a))) for a in args[1:])
    kernels = list(logs)
    ks = {v: parse(logs[v]) for v in kernels}
    sources = {v: [os.path.basename(logs[v])] for v in kernels}
    for v, path in extra:
        e, k = parse(path), ks[v]
        have = {x['name'] for x in k['tests']}
        add = [x for x in e['tests'] if x['name'] not in have]
        k['tests'] += add
        k['extra_fails'] = [f for f in e['fails'] if any(f.startswith(x['name'] + ': ') for x in add)]
        for r, u in e['rungs'].items():
            k['rungs'].setdefault(r, u)
        merged = [x['name'] for x in add]
        if not k['ran'] and not k['skipped'] and (e['ran'] or e['skipped']):
            k['ran'], k['skipped'], k['suite_rc'] = e['ran'], e['skipped'], e['suite_rc']
            merged.append('bench suite')
        if 'snapshot' not in k and 'snapshot' in e:
            k['snapshot'] = e['snapshot']
        if k['total'] is not None:
            for x in add:
                k['total']['pass'] = str(int(k['total']['pass']) + x['p'])
                k['total']['fail'] = str(int(k['total']['fail']) + x['f'])
                k['total']['skip'] = str(int(k['total']['skip']) + x['s'])
        sources[v].append('%s (earlier boot: %s; leftovers after it: %s)' % (
            os.path.basename(path), ', '.join(merged) or 'nothing new', e['leftovers']))
    L = []
    w = L.append
    w('# vmtest matrix (%s)' % datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'))
    w('')
    w('`make vmtest` (tests/vm/): Debian kernels under qemu TCG (no KVM), 2 vCPUs, 3 GiB, pure cgroup v2 '
      '(`cgroup_no_v1=all`, cgroup2 at /sys/fs/cgroup), host root read-only over 9p, tmpfs for writes, '
      'ext4 on a virtio disk at /var/tmp. Timings are not judged under emulation; counts, exit codes, '
      'rungs and leftovers are.')
    w('')
    w('| kernel | tests pass | fail | skip | VM wall (s) | snapshot `containers` | leftovers after run |')
    w('|---|---|---|---|---|---|---|')
    for v, k in ks.items():
        t = k['total'] or {}
        if not t and k['tests']:  # the boot ended early: the finished tests' sums
            t = {x: '%d*' % sum(y[x[0]] for y in k['tests']) for x in ('pass', 'fail', 'skip')}
        w('| %s (%s) | %s | %s | %s | %s | %s | %s |' % (v, k['kernel'], t.get('pass', '-'), t.get('fail', '-'),
                                                t.get('skip', '-'), k['wall'] if k['wall'] is not None else '-',
                                                k.get('snapshot', '-'), k['leftovers']))
    w('')
    w('(* the last boot ended before its TOTAL line: the sums of the tests that finished.)')
    w('')
    probes = ['runqlat', 'syslat', 'ctrlife', 'biolat', 'softirq', 'tcpconnlat', 'tcprtt']
    w('## Probe rungs (`nodeperf list`, RUNG HERE) and the probe tests')
    w('')
    w('| probe | ' + ' | '.join(ks) + ' |')
    w('|---|' + '---|' * len(ks))
    for p in probes:
        cells = []
        for v, k in ks.items():
            t = [x for x in k['tests'] if x['name'] == 'probe_' + p]
            res = ('%d pass, %d fail, %d skip' % (t[0]['p'], t[0]['f'], t[0]['s'])) if t else 'not run'
            cells.append('%s; %s' % (k['rungs'].get(p, '?'), res))
        w('| %s | %s |' % (p, ' | '.join(cells)))
    w('')
    w('## Tests (pass/fail/skip, seconds in the VM)')
    w('')
    names = []
    for k in ks.values():
        for x in k['tests']:
            if x['name'] not in names:
                names.append(x['name'])
    w('| test | ' + ' | '.join(ks) + ' |')
    w('|---|' + '---|' * len(ks))
    for n in names:
        cells = []
        for k in ks.values():
            t = [x for x in k['tests'] if x['name'] == n]
            cells.append('%d/%d/%d, %.0f s' % (t[0]['p'], t[0]['f'], t[0]['s'], t[0]['secs']) if t else '-')
        w('| %s | %s |' % (n, ' | '.join(cells)))
    w('')
    if any(k['ran'] or k['skipped'] for k in ks.values()):
        w('## Benches (quick suite, 1 short rep, no probes)')
        w('')
        for v, k in ks.items():
            fam = {}
            for b in k['ran']:
                fam.setdefault(family(b), [0, 0])[0] += 1
            for b, _ in k['skipped']:
                fam.setdefault(family(b), [0, 0])[1] += 1
            w('- %s: %d ran, %d skipped (suite exit %s); by family: %s' % (
                v, len(k['ran']), len(k['skipped']), k['suite_rc'],
                ', '.join('%s %d ran/%d skipped' % (f, r, s) for f, (r, s) in sorted(fam.items()))))
            for b, r in k['skipped']:
                w('  - skipped `%s`: %s' % (b, r))
        w('')
    for v, k in ks.items():
        if k['fails'] or k['fatal']:
            w('## Failures on %s' % v)
            w('')
            for f in k['fatal'] + k['fails']:
                w('- `%s`' % f[:300].replace('`', "'"))
            w('')
    for v, k in ks.items():
        if k.get('extra_fails'):
            w('## Failures on %s in the earlier boot' % v)
            w('')
            for f in k['extra_fails']:
                w('- `%s`' % f[:300].replace('`', "'"))
            w('')
    w('Sources: ' + '; '.join('%s: %s' % (v, ', '.join(x)) for v, x in sources.items()))
    w('')
    w('cgroup: ' + '; '.join('%s: %s' % (v, k['cgroup']) for v, k in ks.items()))
    text = '\n'.join(L) + '\n'
    sys.stdout.write(text)
    if out:
        with open(out, 'w') as f:
            f.write(text)
    bad = any((k['total'] or {}).get('fail', '1') != '0' or k['fatal'] for k in ks.values())
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
