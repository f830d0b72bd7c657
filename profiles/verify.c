/* verify.c - hold this node against a profile, setting by setting (like tuned-adm verify). */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "profiles/profile.h"

/* Collapse runs of blanks to one space, as `sysctl` prints tcp_rmem. */
static void squeeze(char *s)
{
	char *w = s, *r;
	int blank = 0;

	for (r = str_trim(s); *r; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\n') {
			blank = 1;
			continue;
		}
		if (blank && w != s)
			*w++ = ' ';
		blank = 0;
		*w++ = *r;
	}
	*w = '\0';
}

/* "always [madvise] never" -> "madvise" */
static void bracketed(char *s)
{
	char *o = strchr(s, '['), *c = o ? strchr(o, ']') : NULL;

	if (o && c) {
		memmove(s, o + 1, (size_t)(c - o - 1));
		s[c - o - 1] = '\0';
	}
}

static int read_value(const char *path, char *buf, size_t len)
{
	ssize_t n = read_small(path, buf, len);

	if (n < 0)
		return (int)n;
	squeeze(buf);
	return 0;
}

static int matches(const struct profile_setting *s, const char *cur)
{
	char want[256], have[256];
	long long w, h;
	char *end;

	if (s->at_least) {
		errno = 0;
		w = strtoll(s->value, &end, 10);
		if (end != s->value && !errno) {
			h = strtoll(cur, &end, 10);
			return end != cur && !errno && h >= w;
		}
	}
	str_copy(want, s->value, sizeof(want));
	str_copy(have, cur, sizeof(have));
	squeeze(want);
	squeeze(have);
	return !strcmp(want, have);
}

static int push(struct verify_item **items, size_t *n, const struct profile_setting *s,
		const char *where, const char *cur, int rc)
{
	struct verify_item *grown = reallocarray(*items, *n + 1, sizeof(**items)), *it;

	if (!grown)
		return -ENOMEM;
	*items = grown;
	it = &grown[(*n)++];
	memset(it, 0, sizeof(*it));
	it->s = s;
	str_copy(it->where, where ? where : "", sizeof(it->where));
	if (rc || !cur) {
		it->status = VERIFY_MISSING;
		str_copy(it->current, "(absent)", sizeof(it->current));
	} else {
		str_copy(it->current, cur, sizeof(it->current));
		it->status = matches(s, cur) ? VERIFY_OK : VERIFY_MISMATCH;
	}
	return 0;
}

static int verify_block(const struct profile_setting *s, const char *sysroot,
			struct verify_item **items, size_t *n)
{
	/* the reader holds block settings to "block.ATTR"; a profile built in code may not */
	const char *attr = str_starts(s->key, "block.") ? s->key + strlen("block.") : s->key;
	char dir[512], path[1024], cur[256], globs[256], *g, *save;
	struct dirent *de;
	int found = 0, rc = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/sys/block", sysroot);
	if (strcmp(attr, "scheduler") != 0 && strcmp(attr, "read_ahead_kb") != 0 &&
	    strcmp(attr, "nr_requests") != 0)
		return push(items, n, s, s->devices, NULL, -ENOENT);
	d = opendir(dir);
	while (d && !rc && (de = readdir(d))) {
		int hit = 0;

		if (de->d_name[0] == '.')
			continue;
		str_copy(globs, s->devices ? s->devices : "*", sizeof(globs));
		save = NULL;
		for (g = strtok_r(globs, ",", &save); g && !hit; g = strtok_r(NULL, ",", &save))
			hit = !fnmatch(str_trim(g), de->d_name, 0);
		if (!hit)
			continue;
		found = 1;
		snprintf(path, sizeof(path), "%s/%s/queue/%s", dir, de->d_name, attr);
		rc = read_value(path, cur, sizeof(cur));
		if (!rc && !strcmp(attr, "scheduler"))
			bracketed(cur);
		rc = push(items, n, s, de->d_name, cur, rc);
	}
	if (d)
		closedir(d);
	if (!rc && !found)
		rc = push(items, n, s, s->devices, NULL, -ENOENT);
	return rc;
}

static int verify_cmdline(const struct profile_setting *s, const char *sysroot,
			  struct verify_item **items, size_t *n)
{
	const char *name = str_starts(s->key, "cmdline.") ? s->key + strlen("cmdline.") : s->key;
	char path[512], line[4096], *tok, *save = NULL;
	size_t len = strlen(name);

	snprintf(path, sizeof(path), "%s/proc/cmdline", sysroot);
	if (read_small(path, line, sizeof(line)) < 0)
		return push(items, n, s, NULL, NULL, -ENOENT);
	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
		if (!strncmp(tok, name, len) && tok[len] == '=')
			return push(items, n, s, NULL, tok + len + 1, 0);
	return push(items, n, s, NULL, NULL, -ENOENT);
}

long profile_verify(const struct profile *p, const char *sysroot, int only,
		    struct verify_item **items)
{
	char path[1024], cur[256];
	size_t i, n = 0, k;
	int rc = 0;

	*items = NULL;
	for (i = 0; i < p->nsettings && !rc; i++) {
		const struct profile_setting *s = &p->settings[i];

		if (only >= 0 && (int)s->scope != only)
			continue;
		switch (s->scope) {
		case SCOPE_GLOBAL:
		case SCOPE_NETNS:
			k = (size_t)snprintf(path, sizeof(path), "%s/proc/sys/%s", sysroot, s->key);
			for (k = k - strlen(s->key); k < sizeof(path) && path[k]; k++)
				if (path[k] == '.')
					path[k] = '/';
			rc = push(items, &n, s, NULL, cur, read_value(path, cur, sizeof(cur)));
			break;
		case SCOPE_THP:
			snprintf(path, sizeof(path), "%s/sys/kernel/mm/transparent_hugepage/%s", sysroot,
				 strrchr(s->key, '.') ? strrchr(s->key, '.') + 1 : s->key);
			rc = read_value(path, cur, sizeof(cur));
			if (!rc)
				bracketed(cur);
			rc = push(items, &n, s, NULL, cur, rc);
			break;
		case SCOPE_BLOCK:
			rc = verify_block(s, sysroot, items, &n);
			break;
		default:
			rc = verify_cmdline(s, sysroot, items, &n);
		}
	}
	if (rc) {
		free(*items);
		*items = NULL;
		return rc;
	}
	return (long)n;
}
