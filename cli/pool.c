/*
 * pool.c - jobs in child processes, results over pipes (pool.h).
 */
#include "cli/pool.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct slot {
	pid_t pid;          /* 0: free */
	int fd;
	size_t index;
} slot;

static void *result_of(const cli_pool *p, size_t i)
{
	return (char *)p->results + i * p->result_size;
}

/* Read (or, out, write) all n bytes of buf: 0, or -1 at an error or an
 * early end. */
static int io_all(int fd, void *buf, size_t n, bool out)
{
	char *c = buf;

	while (n) {
		ssize_t k = out ? write(fd, c, n) : read(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Job i here, in this process. */
static void run_here(const cli_pool *p, size_t i, size_t *finished)
{
	memset(result_of(p, i), 0, p->result_size);
	p->run(p->user, i, result_of(p, i));
	if (p->done)
		p->done(p->user, i, ++*finished);
}

/* Job i in a child process: its slot, or -1 when none could be made. */
static int start(const cli_pool *p, slot *s, size_t i)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);   /* nothing buffered is written twice */
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		void *r = calloc(1, p->result_size);

		close(fds[0]);
		if (!r)
			_exit(3);
		p->run(p->user, i, r);
		_exit(io_all(fds[1], r, p->result_size, true) == 0 ? 0 : 3);
	}
	close(fds[1]);
	*s = (slot){ pid, fds[0], i };
	return 0;
}

/* Collect the one child that ended. */
static void reap(const cli_pool *p, slot *w, int nw, size_t *running, size_t *finished)
{
	int status = 0;
	pid_t pid = waitpid(-1, &status, 0);

	if (pid < 0)
		return;
	for (int k = 0; k < nw; k++) {
		void *r;

		if (w[k].pid != pid)
			continue;
		r = result_of(p, w[k].index);
		/* the result first (a full pipe would keep a child alive), but
		 * the child is gone now: what it wrote is all in the pipe */
		if (io_all(w[k].fd, r, p->result_size, false) != 0) {
			memset(r, 0, p->result_size);
			if (p->lost)
				p->lost(p->user, w[k].index, r, status);
		}
		close(w[k].fd);
		w[k].pid = 0;
		(*running)--;
		if (p->done)
			p->done(p->user, w[k].index, ++*finished);
	}
}

void cli_pool_run(const cli_pool *p)
{
	size_t next = 0, running = 0, finished = 0;
	slot *w;

	/* a result must fit a pipe's buffer: the parent reads it after the
	 * child ended */
	if (p->jobs <= 1 || p->n <= 1 || p->result_size > CLI_POOL_RESULT_MAX ||
	    !(w = calloc((size_t)p->jobs, sizeof *w))) {
		for (size_t i = 0; i < p->n; i++)
			run_here(p, i, &finished);
		return;
	}
	while (finished < p->n) {
		while (running < (size_t)p->jobs && next < p->n) {
			int k = 0;

			while (w[k].pid)
				k++;
			memset(result_of(p, next), 0, p->result_size);
			if (start(p, &w[k], next) != 0) {
				run_here(p, next++, &finished);
				continue;
			}
			next++;
			running++;
		}
		if (running)
			reap(p, w, p->jobs, &running, &finished);
	}
	free(w);
}
