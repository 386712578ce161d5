/* client.h - what both harness clients (diffvmm.c, iovmm.c) print and die by.
 * Each includes it once; CLIENT_NAME names the program in its errors. */
#ifndef CLIENT_H
#define CLIENT_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(CLIENT_NAME ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* An ioctl of the setup: its result goes into the trace (errnos are
 * observable too); returns it. */
static int traced(int fd, unsigned long req, void *arg, const char *name)
{
	int r = ioctl(fd, req, arg);
	if (r < 0)
		printf("ioctl %s -1 %s\n", name, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	else
		printf("ioctl %s %d\n", name, r);
	return r;
}

/* A page's hash in the trace ("mem" lines). */
static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

#endif
