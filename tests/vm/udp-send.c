// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udp-send [-b SPORT] [-f FLOWS] [-n ROUNDS] [-i MS] [-s SIZE | -m TEXT]
 *          [-t TOS]... DST DPORT
 *
 * Send UDP datagrams to DST (IPv4 or IPv6) port DPORT from FLOWS sockets
 * bound to source ports SPORT, SPORT+1, ... (default 1 socket, 0: any
 * port): ROUNDS rounds (default 1) of one datagram from each socket,
 * with MS milliseconds (default 0) after each round.  The payload is TEXT,
 * or SIZE bytes (default 100).  Each -t sets the TOS (IPv4) or traffic
 * class (IPv6) of every socket and sends all the rounds again; without
 * it the rounds go once, with the default TOS.
 *
 * The tests open, probe and keep alive UDP flows through the router from
 * the client namespace many times per run.  A python start costs the
 * guest 0.4-1.5 s under TCG, more under KASAN; this tool costs one exec.
 * Linked statically by tests/vm/run-vm.sh, like netns-exec.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FLOWS 256
#define MAX_TOSES 16
#define MAX_PAYLOAD 65507

struct send_plan {
	long sport, flows, rounds, interval_ms, size;
	const char *text;
	int toses[MAX_TOSES];
	int ntoses;
	struct sockaddr_storage dst;
	socklen_t dst_len;
};

/* A whole number in [MIN, MAX] (any base strtol takes), or -1 with a message. */
static int number(const char *arg, const char *what, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 0);
	if (errno != 0 || end == arg || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "udp-send: %s '%s' is not a number in %ld..%ld\n", what, arg, min,
			max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_destination(const char *addr, const char *port, struct send_plan *plan)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&plan->dst;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&plan->dst;
	long p;

	if (number(port, "port", 1, 65535, &p) < 0)
		return -1;
	memset(&plan->dst, 0, sizeof(plan->dst));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p);
		plan->dst_len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		plan->dst_len = sizeof(*in6);
		return 0;
	}
	fprintf(stderr, "udp-send: '%s' is not an IPv4 or IPv6 address\n", addr);
	return -1;
}

static int usage(void)
{
	fprintf(stderr, "usage: udp-send [-b SPORT] [-f FLOWS] [-n ROUNDS] [-i MS] "
			"[-s SIZE | -m TEXT] [-t TOS]... DST DPORT\n");
	return 2;
}

static int parse_args(int argc, char **argv, struct send_plan *plan)
{
	long tos;
	int opt;

	while ((opt = getopt(argc, argv, "b:f:n:i:s:m:t:")) != -1) {
		switch (opt) {
		case 'b':
			if (number(optarg, "source port", 0, 65535, &plan->sport) < 0)
				return -1;
			break;
		case 'f':
			if (number(optarg, "flows", 1, MAX_FLOWS, &plan->flows) < 0)
				return -1;
			break;
		case 'n':
			if (number(optarg, "rounds", 1, 1000000, &plan->rounds) < 0)
				return -1;
			break;
		case 'i':
			if (number(optarg, "interval", 0, 60000, &plan->interval_ms) < 0)
				return -1;
			break;
		case 's':
			if (number(optarg, "size", 0, MAX_PAYLOAD, &plan->size) < 0)
				return -1;
			break;
		case 'm':
			plan->text = optarg;
			break;
		case 't':
			if (plan->ntoses == MAX_TOSES) {
				fprintf(stderr, "udp-send: at most %d -t\n", MAX_TOSES);
				return -1;
			}
			if (number(optarg, "TOS", 0, 255, &tos) < 0)
				return -1;
			plan->toses[plan->ntoses++] = (int)tos;
			break;
		default:
			return -1;
		}
	}
	if (argc - optind != 2)
		return -1;
	if (plan->sport == 0 && plan->flows > 1) {
		fprintf(stderr, "udp-send: -f needs a source port (-b)\n");
		return -1;
	}
	if (plan->sport + plan->flows - 1 > 65535) {
		fprintf(stderr, "udp-send: source ports beyond 65535\n");
		return -1;
	}
	return parse_destination(argv[optind], argv[optind + 1], plan);
}

/* A socket of the destination's family bound to PORT (0: any). */
static int open_socket(const struct send_plan *plan, long port)
{
	struct sockaddr_storage local = { .ss_family = plan->dst.ss_family };
	int fd = socket(plan->dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		perror("udp-send: socket");
		return -1;
	}
	if (plan->dst.ss_family == AF_INET)
		((struct sockaddr_in *)&local)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&local)->sin6_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&local, plan->dst_len) < 0) {
		fprintf(stderr, "udp-send: bind to port %ld: %s\n", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int set_tos(int fd, int family, int tos)
{
	int level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int opt = family == AF_INET ? IP_TOS : IPV6_TCLASS;

	if (setsockopt(fd, level, opt, &tos, sizeof(tos)) < 0) {
		perror("udp-send: setsockopt TOS");
		return -1;
	}
	return 0;
}

static void pause_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ROUNDS rounds of one datagram from each socket. */
static int send_rounds(const struct send_plan *plan, const int *fds, const char *payload,
		       size_t len)
{
	for (long r = 0; r < plan->rounds; r++) {
		for (long i = 0; i < plan->flows; i++) {
			if (sendto(fds[i], payload, len, 0, (const struct sockaddr *)&plan->dst,
				   plan->dst_len) != (ssize_t)len) {
				perror("udp-send: sendto");
				return -1;
			}
		}
		pause_ms(plan->interval_ms);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct send_plan plan = { .flows = 1, .rounds = 1, .size = 100 };
	static char payload[MAX_PAYLOAD];
	int fds[MAX_FLOWS];
	size_t len;
	int rc = 0;

	if (parse_args(argc, argv, &plan) < 0)
		return usage();
	if (plan.text != NULL) {
		len = strlen(plan.text);
		if (len > MAX_PAYLOAD) {
			fprintf(stderr, "udp-send: -m text longer than %d bytes\n", MAX_PAYLOAD);
			return 2;
		}
		memcpy(payload, plan.text, len);
	} else {
		len = (size_t)plan.size;
		memset(payload, 'x', len);
	}
	for (long i = 0; i < plan.flows; i++) {
		fds[i] = open_socket(&plan, plan.sport == 0 ? 0 : plan.sport + i);
		if (fds[i] < 0)
			return 1;
	}
	if (plan.ntoses == 0)
		return send_rounds(&plan, fds, payload, len) < 0 ? 1 : 0;
	for (int t = 0; t < plan.ntoses && rc == 0; t++) {
		for (long i = 0; i < plan.flows && rc == 0; i++)
			rc = set_tos(fds[i], plan.dst.ss_family, plan.toses[t]);
		if (rc == 0)
			rc = send_rounds(&plan, fds, payload, len);
	}
	return rc < 0 ? 1 : 0;
}
