/* emit_tuned.c - a profile as tuned.conf: [main], [sysctl], [vm], [sysfs], [disk], [bootloader]. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "profiles/profile.h"

static void value(const struct profile_setting *s, FILE *out)
{
	/* tuned: a leading '>' only ever raises the current value */
	const char *q = strchr(s->value, ' ') ? "\"" : "";

	fprintf(out, "%s%s%s%s\n", s->at_least ? ">" : "", q, s->value, q);
}

static void comment(const struct profile_setting *s, FILE *out)
{
	fprintf(out, "# %s: %s\n", s->rule, s->reason);
	profile_comment_evidence(s, out, "#");
}

static int has(const struct profile *p, enum profile_scope scope)
{
	size_t i;

	for (i = 0; i < p->nsettings; i++)
		if (p->settings[i].scope == scope)
			return 1;
	return 0;
}

static void emit_disks(const struct profile *p, FILE *out)
{
	size_t i, j, n = 0;

	for (i = 0; i < p->nsettings; i++) {
		const struct profile_setting *s = &p->settings[i];

		if (s->scope != SCOPE_BLOCK || !strcmp(s->key, "block.nr_requests"))
			continue;
		/* one [disk] instance per device set, written at its first setting */
		for (j = 0; j < i; j++)
			if (p->settings[j].scope == SCOPE_BLOCK &&
			    strcmp(p->settings[j].key, "block.nr_requests") != 0 &&
			    !strcmp(p->settings[j].devices, s->devices))
				break;
		if (j < i)
			continue;
		if (n++)
			fprintf(out, "\n[disk_%zu]\ntype=disk\n", n);
		else
			fputs("\n[disk]\n", out);
		fprintf(out, "devices=%s\n", s->devices);
		for (j = i; j < p->nsettings; j++) {
			const struct profile_setting *t = &p->settings[j];

			if (t->scope != SCOPE_BLOCK || strcmp(t->devices, s->devices) != 0)
				continue;
			if (!strcmp(t->key, "block.scheduler")) {
				comment(t, out);
				fputs("elevator=", out);
				value(t, out);
			} else if (!strcmp(t->key, "block.read_ahead_kb")) {
				comment(t, out);
				fputs("readahead=", out);
				value(t, out);
			}
		}
	}
}

/* What tuned has no plugin option for goes into [sysfs]: THP defrag, nr_requests. */
static void emit_sysfs(const struct profile *p, FILE *out)
{
	size_t i;
	int first = 1;

	for (i = 0; i < p->nsettings; i++) {
		const struct profile_setting *s = &p->settings[i];
		char devs[256], *dev, *save = NULL;

		if (!(s->scope == SCOPE_THP && !strcmp(s->key, "transparent_hugepage.defrag")) &&
		    !(s->scope == SCOPE_BLOCK && !strcmp(s->key, "block.nr_requests")))
			continue;
		if (first)
			fputs("\n[sysfs]\n", out);
		first = 0;
		comment(s, out);
		if (s->scope == SCOPE_THP) {
			fprintf(out, "/sys/kernel/mm/transparent_hugepage/defrag=%s\n", s->value);
			continue;
		}
		snprintf(devs, sizeof(devs), "%s", s->devices ? s->devices : "");
		for (dev = strtok_r(devs, ",", &save); dev; dev = strtok_r(NULL, ",", &save))
			fprintf(out, "/sys/block/%s/queue/nr_requests=%s\n", dev, s->value);
	}
}

int profile_emit_tuned(const struct profile *p, FILE *out, char *err, size_t errlen)
{
	size_t i;

	(void)err;
	(void)errlen;
	profile_comment_header(p, out,
			       "install as /etc/tuned/nodeperf-PROFILE/tuned.conf, then "
			       "`tuned-adm profile nodeperf-PROFILE`; add include=PARENT to "
			       "[main] to stack it on a stock profile");
	fprintf(out, "\n[main]\nsummary=nodeperf %s: %s profile (base %s)\n", p->name,
		profile_class_names[p->cls], p->base);
	if (has(p, SCOPE_GLOBAL) || has(p, SCOPE_NETNS)) {
		fputs("\n[sysctl]\n", out);
		for (i = 0; i < p->nsettings; i++) {
			const struct profile_setting *s = &p->settings[i];

			if (s->scope != SCOPE_GLOBAL && s->scope != SCOPE_NETNS)
				continue;
			comment(s, out);
			fprintf(out, "%s=", s->key);
			value(s, out);
		}
	}
	for (i = 0; i < p->nsettings; i++) {
		const struct profile_setting *s = &p->settings[i];

		if (s->scope == SCOPE_THP && !strcmp(s->key, "transparent_hugepage.enabled")) {
			fputs("\n[vm]\n", out);
			comment(s, out);
			fprintf(out, "transparent_hugepages=%s\n", s->value);
		}
	}
	emit_sysfs(p, out);
	emit_disks(p, out);
	if (has(p, SCOPE_CMDLINE)) {
		const char *sep = "";

		fputs("\n[bootloader]\ncmdline=", out);
		for (i = 0; i < p->nsettings; i++) {
			const struct profile_setting *s = &p->settings[i];

			if (s->scope != SCOPE_CMDLINE)
				continue;
			fprintf(out, "%s%s=%s", sep,
				str_starts(s->key, "cmdline.") ? s->key + strlen("cmdline.") : s->key,
				s->value);
			sep = " ";
		}
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}
