/* emit_aks.c - a profile as AKS linuxOSConfig JSON: only the fields AKS accepts, inside its ranges. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "profiles/profile.h"

enum aks_type { AKS_INT, AKS_INT_ANY, AKS_BOOL, AKS_PORTS };

/* The AKS custom node configuration reference's sysctl fields and documented ranges. */
static const struct aks_field {
	const char *field, *key;
	enum aks_type type;
	long long lo, hi;
} aks_fields[] = {
	{ "netCoreSomaxconn", "net.core.somaxconn", AKS_INT, 4096, 3240000 },
	{ "netCoreNetdevMaxBacklog", "net.core.netdev_max_backlog", AKS_INT, 1000, 3240000 },
	{ "netCoreRmemDefault", "net.core.rmem_default", AKS_INT, 212992, 134217728 },
	{ "netCoreRmemMax", "net.core.rmem_max", AKS_INT, 212992, 134217728 },
	{ "netCoreWmemDefault", "net.core.wmem_default", AKS_INT, 212992, 134217728 },
	{ "netCoreWmemMax", "net.core.wmem_max", AKS_INT, 212992, 134217728 },
	{ "netCoreOptmemMax", "net.core.optmem_max", AKS_INT, 20480, 4194304 },
	{ "netIpv4TcpMaxSynBacklog", "net.ipv4.tcp_max_syn_backlog", AKS_INT, 128, 3240000 },
	{ "netIpv4TcpMaxTwBuckets", "net.ipv4.tcp_max_tw_buckets", AKS_INT, 8000, 1440000 },
	{ "netIpv4TcpFinTimeout", "net.ipv4.tcp_fin_timeout", AKS_INT, 5, 120 },
	{ "netIpv4TcpKeepaliveTime", "net.ipv4.tcp_keepalive_time", AKS_INT, 30, 432000 },
	{ "netIpv4TcpKeepaliveProbes", "net.ipv4.tcp_keepalive_probes", AKS_INT, 1, 15 },
	/* sic: AKS spells this one with a lower-case k */
	{ "netIpv4TcpkeepaliveIntvl", "net.ipv4.tcp_keepalive_intvl", AKS_INT, 10, 90 },
	{ "netIpv4TcpTwReuse", "net.ipv4.tcp_tw_reuse", AKS_BOOL, 0, 1 },
	{ "netIpv4IpLocalPortRange", "net.ipv4.ip_local_port_range", AKS_PORTS, 0, 0 },
	{ "netIpv4NeighDefaultGcThresh1", "net.ipv4.neigh.default.gc_thresh1", AKS_INT, 128, 80000 },
	{ "netIpv4NeighDefaultGcThresh2", "net.ipv4.neigh.default.gc_thresh2", AKS_INT, 512, 90000 },
	{ "netIpv4NeighDefaultGcThresh3", "net.ipv4.neigh.default.gc_thresh3", AKS_INT, 1024, 100000 },
	{ "netNetfilterNfConntrackMax", "net.netfilter.nf_conntrack_max", AKS_INT, 131072, 2097152 },
	{ "netNetfilterNfConntrackBuckets", "net.netfilter.nf_conntrack_buckets", AKS_INT, 65536, 524288 },
	{ "fsInotifyMaxUserWatches", "fs.inotify.max_user_watches", AKS_INT, 781250, 2097152 },
	{ "fsFileMax", "fs.file-max", AKS_INT, 8192, 9223372036854775807LL },
	{ "fsAioMaxNr", "fs.aio-max-nr", AKS_INT, 65536, 6553500 },
	{ "fsNrOpen", "fs.nr_open", AKS_INT, 8192, 20000500 },
	{ "kernelThreadsMax", "kernel.threads-max", AKS_INT_ANY, 0, 0 },
	{ "vmMaxMapCount", "vm.max_map_count", AKS_INT_ANY, 0, 0 },
	{ "vmSwappiness", "vm.swappiness", AKS_INT, 0, 100 },
	{ "vmVfsCachePressure", "vm.vfs_cache_pressure", AKS_INT, 1, 100 },
};

static const char *const thp_enabled[] = { "always", "madvise", "never", NULL };
static const char *const thp_defrag[] = { "always", "defer", "defer+madvise", "madvise", "never", NULL };

const char *profile_aks_field(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(aks_fields); i++)
		if (!strcmp(aks_fields[i].key, key))
			return aks_fields[i].field;
	return NULL;
}

static int __attribute__((format(printf, 4, 5)))
refuse(int rc, char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc;
}

static int whole(const char *s, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return end == s || *str_trim(end) || errno ? -EINVAL : 0;
}

/* The JSON value of setting s for field f, or an error naming the field and its range. */
static int aks_value(const struct aks_field *f, const struct profile_setting *s, json_t **out,
		     char *err, size_t len)
{
	long long v, first, last;
	char extra[8], buf[32];
	const char *value = profile_effective_value(s, buf, sizeof(buf));

	switch (f->type) {
	case AKS_BOOL:
		if (!strcmp(value, "0") || !strcmp(value, "1")) {
			*out = json_boolean(value[0] == '1');
			return 0;
		}
		return refuse(-ERANGE, err, len,
			      "%s (%s) = %s is outside what AKS accepts: a boolean (0 or 1)",
			      f->field, f->key, value);
	case AKS_PORTS:
		if (sscanf(value, "%lld %lld %7s", &first, &last, extra) != 2)
			return refuse(-EINVAL, err, len, "%s (%s) = '%s' is not \"FIRST LAST\"",
				      f->field, f->key, value);
		if (first < 1024 || first > 60999 || last < 32768 || last > 65535)
			return refuse(-ERANGE, err, len,
				      "%s (%s) = '%s' is outside the range AKS accepts: first "
				      "1024-60999, last 32768-65535",
				      f->field, f->key, value);
		*out = json_sprintf("%lld %lld", first, last);
		return 0;
	default:
		if (whole(value, &v))
			return refuse(-EINVAL, err, len, "%s (%s) = '%s' is not a whole number",
				      f->field, f->key, value);
		if (f->type == AKS_INT && (v < f->lo || v > f->hi))
			return refuse(-ERANGE, err, len,
				      "%s (%s) = %lld is outside the range AKS accepts: %lld-%lld",
				      f->field, f->key, v, f->lo, f->hi);
		if (f->type == AKS_INT_ANY && v < 1)
			return refuse(-ERANGE, err, len, "%s (%s) = %lld must be positive", f->field,
				      f->key, v);
		*out = json_integer(v);
		return 0;
	}
}

static int one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(v, *set))
			return 1;
	return 0;
}

/* Where a setting linuxOSConfig cannot carry goes instead. */
static const char *instead(const struct profile_setting *s)
{
	switch (s->scope) {
	case SCOPE_NETNS:
		return "per network namespace: set it in the pods' securityContext.sysctls (kubelet "
		       "--allowed-unsafe-sysctls for unsafe ones); for the host namespace a sysctl.d "
		       "file (--format sysctl) from a privileged DaemonSet";
	case SCOPE_BLOCK:
		return "a udev rule or the tuned profile (--format tuned) installed by a privileged "
		       "DaemonSet";
	case SCOPE_CMDLINE:
		return "the kernel command line: a custom node image (AKS node pools cannot set it)";
	default:
		return "a sysctl.d file (--format sysctl) installed by a privileged DaemonSet";
	}
}

int profile_emit_aks(const struct profile *p, FILE *out, FILE *elsewhere, char *err,
		     size_t errlen)
{
	json_t *doc = json_object(), *sysctls = json_object(), *v = NULL;
	size_t i, j;
	int rc = 0;

	for (i = 0; i < p->nsettings && !rc; i++) {
		const struct profile_setting *s = &p->settings[i];

		if (s->scope == SCOPE_THP) {
			int en = !strcmp(s->key, "transparent_hugepage.enabled");

			if (!en && strcmp(s->key, "transparent_hugepage.defrag") != 0)
				continue;
			if (!one_of(s->value, en ? thp_enabled : thp_defrag))
				rc = refuse(-ERANGE, err, errlen,
					    "%s (%s) = %s is outside what AKS accepts: %s",
					    en ? "transparentHugePageEnabled" : "transparentHugePageDefrag",
					    s->key, s->value,
					    en ? "always, madvise, never"
					       : "always, defer, defer+madvise, madvise, never");
			else
				json_object_set_new(doc,
						    en ? "transparentHugePageEnabled"
						       : "transparentHugePageDefrag",
						    json_string(s->value));
			continue;
		}
		if (s->scope != SCOPE_GLOBAL && s->scope != SCOPE_NETNS)
			continue;
		for (j = 0; j < ARRAY_SIZE(aks_fields); j++)
			if (!strcmp(aks_fields[j].key, s->key))
				break;
		if (j == ARRAY_SIZE(aks_fields))
			continue;
		rc = aks_value(&aks_fields[j], s, &v, err, errlen);
		if (!rc)
			json_object_set_new(sysctls, aks_fields[j].field, v);
	}
	if (rc)
		goto out;
	if (json_object_size(sysctls))
		json_object_set(doc, "sysctls", sysctls);
	if (json_dumpf(doc, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) || fputc('\n', out) == EOF) {
		rc = -EIO;
		goto out;
	}
	for (i = 0; elsewhere && i < p->nsettings; i++) {
		const struct profile_setting *s = &p->settings[i];

		if ((s->scope == SCOPE_GLOBAL || s->scope == SCOPE_NETNS) && profile_aks_field(s->key))
			continue;
		if (s->scope == SCOPE_THP && (!strcmp(s->key, "transparent_hugepage.enabled") ||
					      !strcmp(s->key, "transparent_hugepage.defrag")))
			continue;
		fprintf(elsewhere, "not expressible in linuxOSConfig: %s=%s%s%s (%s) -> %s\n", s->key,
			s->value, s->devices ? " on " : "", s->devices ? s->devices : "", s->rule,
			instead(s));
	}
out:
	json_decref(sysctls);
	json_decref(doc);
	return rc;
}
