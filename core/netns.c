/* netns.c - network paths for benches: named namespaces, veth pairs, a bridge, per-namespace sysctls. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/netns.h"
#include "core/sandbox.h"
#include "core/util.h"

#define NETNS_RUN_DIR "/run/netns"

static const char roles[NETNS_MAX] = { 'c', 's', 'b' };

const char *netns_path_name(enum netns_path path)
{
	switch (path) {
	case NETNS_LO:
		return "lo";
	case NETNS_VETH:
		return "veth";
	case NETNS_BRIDGE:
		return "bridge";
	}
	return "?";
}

int netns_name(char *buf, size_t len, pid_t pid, unsigned seq, char role)
{
	int n = snprintf(buf, len, "np-%d-%u-%c", (int)pid, seq, role);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int netns_addr(char *buf, size_t len, pid_t pid, unsigned host)
{
	int n;

	if (host < 1 || host > 254 || pid <= 0)
		return -EINVAL;
	n = snprintf(buf, len, "198.%u.%u.%u", 18u + (((unsigned)pid >> 8) & 1u), (unsigned)pid & 255u, host);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int netns_tune_path(const char *key, char *path, size_t len)
{
	const char *k;
	size_t n, off;
	int n0;

	if (str_starts(key, "block."))
		return 1;
	if (!str_starts(key, "net.") || !key[4])
		return -EINVAL;
	for (k = key; *k; k++) {
		int ok = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
			 *k == '_' || *k == '-' || *k == '.';

		/* an empty part would make "//" or end in a directory; ".." would leave /proc/sys/net */
		if (!ok || (*k == '.' && (k[1] == '.' || k[1] == '\0')))
			return -EINVAL;
	}
	n0 = snprintf(path, len, "/proc/sys/");
	if (n0 < 0 || (size_t)n0 >= len)
		return -ENAMETOOLONG;
	off = (size_t)n0;
	n = strlen(key);
	if (off + n >= len)
		return -ENAMETOOLONG;
	for (k = key; *k; k++)
		path[off++] = *k == '.' ? '/' : *k;
	path[off] = '\0';
	return 0;
}

/* Run ip with args (NULL-terminated); err names the command when it fails. */
static int ip_run(char *err, size_t len, const char *const *args)
{
	char *argv[16], cmd[256];
	size_t n = 0, off = 0;
	int rc;

	argv[n++] = "ip";
	while (n < ARRAY_SIZE(argv) - 1 && *args)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	rc = spawn_capture(argv, NULL, 0);
	if (!rc)
		return 0;
	for (n = 0; argv[n] && off < sizeof(cmd); n++)
		off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, "%s%s", n ? " " : "", argv[n]);
	if (rc == -ENOENT) {
		snprintf(err, len, "ip (iproute2) not found in PATH");
		return rc;
	}
	if (rc < 0)
		snprintf(err, len, "%s: %s", cmd, strerror(-rc));
	else
		snprintf(err, len, "`%s` failed (exit %d)", cmd, rc);
	return rc < 0 ? rc : -EIO;
}

#define ip_cmd(err, len, ...) ip_run(err, len, (const char *const[]){ __VA_ARGS__, NULL })

/* What `ip netns delete` does: detach the namespace's bind mount and remove its file. */
static void delete_named(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	umount2(path, MNT_DETACH);
	unlink(path);
}

static void undo_netns(const char *name, void *arg)
{
	(void)arg;
	delete_named(name);
}

int netns_supported(char *why, size_t len)
{
	static int cached = 1;
	static char cached_why[512];
	char name[32], err[256];
	int rc;

	if (cached <= 0) {
		str_copy(why, cached_why, len);
		return cached;
	}
	if (geteuid() != 0) {
		rc = -EPERM;
		snprintf(cached_why, sizeof(cached_why),
			 "creating network namespaces needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)");
		goto out;
	}
	netns_name(name, sizeof(name), getpid(), 0, 'p');
	rc = ip_cmd(err, sizeof(err), "netns", "add", name);
	if (rc) {
		delete_named(name);	/* the file ip may have made before the kernel said no */
		snprintf(cached_why, sizeof(cached_why), "creating a network namespace is not permitted here: %s",
			 err);
		goto out;
	}
	delete_named(name);
	cached_why[0] = '\0';
out:
	cached = rc;
	str_copy(why, cached_why, len);
	return rc;
}

/* --- sysctls inside a namespace --- */

struct tune_job {
	int nsfd;
	const char *const *tune;
	const char *key;	/* the key that failed */
	int rc;
	int at_write;		/* it failed writing the value, not opening the key */
};

/* Write value into the sysctl at path of the calling thread's namespace. */
static int write_sysctl(const char *path, const char *value, int *at_write)
{
	size_t n = strlen(value);
	ssize_t w;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*at_write = 1;
	w = write(fd, value, n);
	if (w < 0)
		rc = -errno;
	else if ((size_t)w != n)
		rc = -EIO;
	close(fd);
	return rc;
}

/*
 * In a thread of its own, which dies in the namespace: enter it, make sure
 * it is really there (a write meant for a sandbox must never reach the
 * host), and write every net.* key.
 */
static void *tune_thread(void *arg)
{
	struct tune_job *job = arg;
	struct stat want, have;
	char path[512];
	size_t i;

	if (setns(job->nsfd, CLONE_NEWNET)) {
		job->rc = -errno;
		return NULL;
	}
	if (fstat(job->nsfd, &want) || stat("/proc/thread-self/ns/net", &have) || want.st_ino != have.st_ino ||
	    want.st_dev != have.st_dev) {
		job->rc = -EXDEV;
		return NULL;
	}
	for (i = 0; job->tune[i]; i++) {
		const char *eq = strchr(job->tune[i], '=');
		char key[256];
		int rc;

		if (!eq || (size_t)(eq - job->tune[i]) >= sizeof(key)) {
			job->key = job->tune[i];
			job->rc = -EINVAL;
			return NULL;
		}
		memcpy(key, job->tune[i], (size_t)(eq - job->tune[i]));
		key[eq - job->tune[i]] = '\0';
		rc = netns_tune_path(key, path, sizeof(path));
		if (rc == 1)
			continue;
		if (!rc)
			rc = write_sysctl(path, eq + 1, &job->at_write);
		if (rc) {
			job->key = job->tune[i];
			job->rc = rc;
			return NULL;
		}
	}
	job->rc = 0;
	return NULL;
}

static int apply_tune(int nsfd, const char *ns, const char *const *tune, char *err, size_t len)
{
	struct tune_job job = { .nsfd = nsfd, .tune = tune, .rc = -EINVAL };
	char key[256], path[512];
	pthread_t th;
	size_t k;
	int rc, prc;

	if (!tune || !tune[0])
		return 0;
	rc = -pthread_create(&th, NULL, tune_thread, &job);
	if (rc) {
		snprintf(err, len, "--tune: cannot start a thread: %s", strerror(-rc));
		return rc;
	}
	pthread_join(th, NULL);
	if (!job.rc)
		return 0;
	if (!job.key) {
		snprintf(err, len, "--tune: cannot enter namespace %s: %s", ns, strerror(-job.rc));
		return job.rc;
	}
	k = strcspn(job.key, "=");
	snprintf(key, sizeof(key), "%.*s", (int)(k < sizeof(key) ? k : sizeof(key) - 1), job.key);
	prc = netns_tune_path(key, path, sizeof(path));
	if (prc < 0) {
		snprintf(err, len, "--tune %s: not a net.* sysctl (net benches take net.*, io benches block.*)",
			 job.key);
		return -EINVAL;
	}
	if (job.at_write && job.rc != -EPERM && job.rc != -EACCES) {
		snprintf(err, len, "--tune %s: the kernel rejected the value in namespace %s: %s", job.key, ns,
			 strerror(-job.rc));
		return job.rc;
	}
	switch (job.rc) {
	case -ENOENT:
		/* this thread is still in the host's namespace: does the host have the key? */
		if (!access(path, F_OK)) {
			snprintf(err, len,
				 "--tune %s: %s is not per network namespace on this kernel (only the host's "
				 "namespace has it); nodeperf never changes host sysctls",
				 job.key, key);
			job.rc = -EOPNOTSUPP;
		} else {
			snprintf(err, len, "--tune %s: no sysctl %s on this kernel", job.key, key);
		}
		break;
	case -EACCES:
	case -EPERM:
		snprintf(err, len,
			 "--tune %s: %s is read-only inside a network namespace on this kernel (its value is "
			 "the host's); nodeperf never changes host sysctls",
			 job.key, key);
		job.rc = -EACCES;
		break;
	default:
		snprintf(err, len, "--tune %s: writing %s in namespace %s: %s", job.key, path, ns,
			 strerror(-job.rc));
	}
	return job.rc;
}

/* --- building and removing paths --- */

static int add_ns(struct netns_topo *t, enum netns_side side, unsigned seq, const char *const *tune, char *err,
		  size_t len)
{
	char path[128];
	int rc;

	if ((unsigned)side >= NETNS_MAX)
		return -EINVAL;
	netns_name(t->name[side], sizeof(t->name[side]), getpid(), seq, roles[side]);
	rc = ip_cmd(err, len, "netns", "add", t->name[side]);
	if (rc) {
		delete_named(t->name[side]);
		t->name[side][0] = '\0';
		return rc;
	}
	rc = sandbox_register("netns", t->name[side], undo_netns, NULL);
	if (rc < 0) {
		delete_named(t->name[side]);
		t->name[side][0] = '\0';
		snprintf(err, len, "out of memory");
		return rc;
	}
	t->handle[side] = rc;
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", t->name[side]);
	t->fd[side] = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd[side] < 0) {
		rc = -errno;
		snprintf(err, len, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = apply_tune(t->fd[side], t->name[side], tune, err, len);
	if (rc)
		return rc;
	return ip_cmd(err, len, "-n", t->name[side], "link", "set", "lo", "up");
}

/* A veth pair: end a in namespace na, end b in nb, both up. */
static int add_veth(struct netns_topo *t, enum netns_side na, const char *a, enum netns_side nb, const char *b,
		    char *err, size_t len)
{
	int rc;

	rc = ip_cmd(err, len, "-n", t->name[na], "link", "add", a, "type", "veth", "peer", "name", b, "netns",
		    t->name[nb]);
	if (!rc)
		rc = ip_cmd(err, len, "-n", t->name[na], "link", "set", a, "up");
	if (!rc)
		rc = ip_cmd(err, len, "-n", t->name[nb], "link", "set", b, "up");
	return rc;
}

static int add_addr(struct netns_topo *t, enum netns_side side, const char *dev, const char *prefix, char *err,
		    size_t len)
{
	char cidr[24];

	snprintf(cidr, sizeof(cidr), "%s/%s", t->addr[side == NETNS_SERVER], prefix);
	return ip_cmd(err, len, "-n", t->name[side], "addr", "add", cidr, "dev", dev);
}

int netns_build(struct netns_topo *t, enum netns_path path, const char *const *tune, char *err, size_t len)
{
	static unsigned seq;
	char ca[16], sa[16], cb[16], sb[16], br[16];
	pid_t pid = getpid();
	unsigned i;
	int rc;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < NETNS_MAX; i++)
		t->fd[i] = -1;
	t->path = path;
	seq = (seq + 1) % 1000;
	/* link names: at most 15 characters; they exist only inside the namespaces */
	snprintf(ca, sizeof(ca), "np-%d-c", (int)pid);
	snprintf(sa, sizeof(sa), "np-%d-s", (int)pid);
	snprintf(cb, sizeof(cb), "np-%d-cb", (int)pid);
	snprintf(sb, sizeof(sb), "np-%d-sb", (int)pid);
	snprintf(br, sizeof(br), "np-%d-br", (int)pid);
	netns_addr(t->addr[0], sizeof(t->addr[0]), pid, 1);
	netns_addr(t->addr[1], sizeof(t->addr[1]), pid, path == NETNS_LO ? 1 : 2);

	t->nns = path == NETNS_LO ? 1 : path == NETNS_VETH ? 2 : 3;
	for (i = 0; i < t->nns; i++) {
		rc = add_ns(t, (enum netns_side)i, seq, tune, err, len);
		if (rc)
			goto out_destroy;
	}
	switch (path) {
	case NETNS_LO:
		/* the server shares the namespace: both ends are the loopback address */
		t->fd[NETNS_SERVER] = dup(t->fd[NETNS_CLIENT]);
		if (t->fd[NETNS_SERVER] < 0) {
			rc = -errno;
			snprintf(err, len, "dup: %s", strerror(-rc));
			goto out_destroy;
		}
		rc = add_addr(t, NETNS_CLIENT, "lo", "32", err, len);
		break;
	case NETNS_VETH:
		rc = add_veth(t, NETNS_CLIENT, ca, NETNS_SERVER, sa, err, len);
		if (!rc)
			rc = add_addr(t, NETNS_CLIENT, ca, "24", err, len);
		if (!rc)
			rc = add_addr(t, NETNS_SERVER, sa, "24", err, len);
		break;
	case NETNS_BRIDGE:
		rc = ip_cmd(err, len, "-n", t->name[NETNS_BRIDGE_NS], "link", "add", br, "type", "bridge");
		if (!rc)
			rc = ip_cmd(err, len, "-n", t->name[NETNS_BRIDGE_NS], "link", "set", br, "up");
		if (!rc)
			rc = add_veth(t, NETNS_CLIENT, ca, NETNS_BRIDGE_NS, cb, err, len);
		if (!rc)
			rc = add_veth(t, NETNS_SERVER, sa, NETNS_BRIDGE_NS, sb, err, len);
		if (!rc)
			rc = ip_cmd(err, len, "-n", t->name[NETNS_BRIDGE_NS], "link", "set", cb, "master", br);
		if (!rc)
			rc = ip_cmd(err, len, "-n", t->name[NETNS_BRIDGE_NS], "link", "set", sb, "master", br);
		if (!rc)
			rc = add_addr(t, NETNS_CLIENT, ca, "24", err, len);
		if (!rc)
			rc = add_addr(t, NETNS_SERVER, sa, "24", err, len);
		break;
	}
	if (rc)
		goto out_destroy;
	return 0;
out_destroy:
	netns_destroy(t);
	return rc;
}

void netns_destroy(struct netns_topo *t)
{
	int i;

	for (i = NETNS_MAX - 1; i >= 0; i--) {
		if (t->fd[i] >= 0)
			close(t->fd[i]);
		t->fd[i] = -1;
		if (t->handle[i] > 0)
			sandbox_release(t->handle[i]);
		t->handle[i] = 0;
		t->name[i][0] = '\0';
	}
}

int netns_enter(const struct netns_topo *t, enum netns_side side)
{
	if (side >= NETNS_MAX || t->fd[side] < 0)
		return -EBADF;
	return setns(t->fd[side], CLONE_NEWNET) ? -errno : 0;
}
