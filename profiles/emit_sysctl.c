/* emit_sysctl.c - a profile as a sysctl.d file (`sysctl -p FILE`, /etc/sysctl.d/). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "profiles/profile.h"

void profile_comment_evidence(const struct profile_setting *s, FILE *out, const char *lead)
{
	char b[32], a[32];

	if (s->ev.metric) {
		result_format_value(s->ev.before, s->ev.unit, b, sizeof(b));
		if (isfinite(s->ev.after)) {
			result_format_value(s->ev.after, s->ev.unit, a, sizeof(a));
			fprintf(out, "%s  evidence: %s %s %s -> %s (%+.1f%%, p = %.3g, %s)\n", lead,
				s->ev.metric, s->ev.stat, isfinite(s->ev.before) ? b : "-", a,
				100 * s->ev.change, s->ev.p, s->ev.verdict ? s->ev.verdict : "-");
		} else {
			fprintf(out, "%s  evidence: %s %s %s measured on the node\n", lead,
				s->ev.metric, s->ev.stat, isfinite(s->ev.before) ? b : "-");
		}
	}
	if (s->ev.source)
		fprintf(out, "%s  source: %s\n", lead, s->ev.source);
}

void profile_comment_header(const struct profile *p, FILE *out, const char *how)
{
	size_t i;

	fprintf(out, "# nodeperf profile %s (workload %s, base %s)\n", p->name,
		profile_class_names[p->cls], p->base);
	if (p->from)
		fprintf(out, "# from %s%s%s%s\n", p->from, p->run_id ? " (run " : "",
			p->run_id ? p->run_id : "", p->run_id ? ")" : "");
	fprintf(out, "# %s\n", how);
	for (i = 0; i < p->nskipped; i++)
		fprintf(out, "# skipped %s: %s\n", p->skipped[i].rule, p->skipped[i].reason);
	for (i = 0; i < p->nnotes; i++)
		fprintf(out, "# note: %s\n", p->notes[i]);
}

int profile_emit_sysctl(const struct profile *p, FILE *out, char *err, size_t errlen)
{
	char val[32];
	size_t i;

	(void)err;
	(void)errlen;
	profile_comment_header(p, out,
			       "load with `sysctl -p FILE`, or install as /etc/sysctl.d/90-nodeperf.conf");
	for (i = 0; i < p->nsettings; i++) {
		const struct profile_setting *s = &p->settings[i];

		if (s->scope != SCOPE_GLOBAL && s->scope != SCOPE_NETNS)
			continue;
		fprintf(out, "\n# %s: %s\n", s->rule, s->reason);
		if (s->at_least)
			fprintf(out, "#  at least %s (current %s): sysctl.d sets a value exactly, so the "
				"larger of the two\n", s->value, s->current ? s->current : "unknown");
		if (s->scope == SCOPE_NETNS)
			fprintf(out, "#  per network namespace: pods need it in their own (securityContext.sysctls)\n");
		profile_comment_evidence(s, out, "#");
		fprintf(out, "%s = %s\n", s->key, profile_effective_value(s, val, sizeof(val)));
	}
	for (i = 0; i < p->nsettings; i++) {
		const struct profile_setting *s = &p->settings[i];

		if (s->scope == SCOPE_GLOBAL || s->scope == SCOPE_NETNS)
			continue;
		fprintf(out, "\n# not a sysctl: %s=%s%s%s (%s) goes into the tuned profile (--format tuned)\n",
			s->key, s->value, s->devices ? " on " : "", s->devices ? s->devices : "", s->rule);
	}
	return ferror(out) ? -EIO : 0;
}
