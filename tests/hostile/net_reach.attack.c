/* Reaches out by socket: the unix socket /tmp/@TAG@.sock (a test may listen
 * there: the TA's session bus, say), the abstract socket "@TAG@", the system
 * bus, UDP and TCP to 127.0.0.1, netlink.  A success is said on stdout and
 * stderr ("ESCAPED ..."). */
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void attack_net_said(const char *what, int rc)
{
	if (rc == 0) {
		printf("ESCAPED %s @TAG@\n", what);
		fprintf(stderr, "ESCAPED %s @TAG@\n", what);
	}
}

static void attack_unix(const char *name, int abstract)
{
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	strncpy(a.sun_path + abstract, name, sizeof a.sun_path - 2);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd >= 0) {
		socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + abstract + strlen(name));
		attack_net_said(name, connect(fd, (struct sockaddr *)&a, len));
		close(fd);
	}
}

/* The port a test listens on: 20000 + the tag's FNV-1a hash mod 20000. */
static unsigned short attack_port(void)
{
	unsigned h = 2166136261u;
	for (const char *p = "@TAG@"; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return (unsigned short)(20000 + h % 20000);
}

__attribute__((constructor)) static void attack_net(void)
{
	attack_unix("/tmp/@TAG@.sock", 0);
	attack_unix("@TAG@", 1);
	attack_unix("/run/dbus/system_bus_socket", 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(attack_port());
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u >= 0) {
		attack_net_said("udp 127.0.0.1",
				sendto(u, "@TAG@", 5, 0, (struct sockaddr *)&a, sizeof a) == 5 ? 0 : -1);
		close(u);
	}
	int t = socket(AF_INET, SOCK_STREAM, 0);
	if (t >= 0) {
		attack_net_said("tcp 127.0.0.1", connect(t, (struct sockaddr *)&a, sizeof a));
		close(t);
	}
	int nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	attack_net_said("netlink", nl >= 0 ? 0 : -1);
}
