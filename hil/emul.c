/*
 * emul.c - the rig emulator (emul.h).
 *
 * One poll loop over the stop descriptor, the listening socket and the
 * client.  Requests are handled one at a time, in the order they arrive,
 * each to completion (catch up, run, pace, reply) before the next line is
 * read: a rig does one thing at a time, and a client that pipelines
 * requests sees them answered in order.  Waiting (pacing, slow replies)
 * polls the stop descriptor, so SIGTERM ends the emulator within a
 * millisecond even in the middle of a long move.
 *
 * Invariant: virtual time never runs ahead of the wall clock when a reply
 * leaves (pacing on); between requests it stands still and catches up in
 * closed form when the next request comes, so an idle emulator costs
 * nothing.
 */
/* posix_openpt, grantpt, unlockpt, ptsname_r (reentrant: tests run an
 * emulator in a thread) and accept4 are declared under _GNU_SOURCE. */
#define _GNU_SOURCE
#include "hil/emul_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hil/link.h"
#include "hil/proto.h"
#include "kernel/rng.h"
#include "sim/sim_ctl.h"

/* How long a reply may take to leave before the client counts as gone. */
#define WRITE_GRACE_NS (5 * 1000000000LL)
void hil_emul_config_default(hil_emul_config *c)
{
	memset(c, 0, sizeof *c);
	c->seed = 1;
	c->pacing = true;
}

void hil_em_log(hil_emul *e, const char *fmt, ...)
{
	va_list ap;

	if (!e->cfg.log)
		return;
	flockfile(e->cfg.log); /* the camera thread logs too */
	fprintf(e->cfg.log, "afsim rig serve: ");
	va_start(ap, fmt);
	vfprintf(e->cfg.log, fmt, ap);
	va_end(ap);
	fputc('\n', e->cfg.log);
	fflush(e->cfg.log);
	funlockfile(e->cfg.log);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int eerr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* One traced line: time from the connection, direction, text. */
static void trace_line(hil_emul *e, char dir, const char *line, size_t len, size_t extra)
{
	if (!e->cfg.trace)
		return;
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	fprintf(e->cfg.trace, "%10.3f %c %.*s", (double)(hil_now_ns() - e->conn_t0_ns) / 1e6, dir,
		(int)len, line);
	if (extra)
		fprintf(e->cfg.trace, " (+%zu bytes)", extra);
	fputc('\n', e->cfg.trace);
	fflush(e->cfg.trace);
}

/* ---- construction ------------------------------------------------------- */

hil_emul *hil_emul_new(const hil_emul_config *cfg, char *err, size_t errlen)
{
	hil_emul *e = calloc(1, sizeof *e);
	const sim_scenario *s = cfg->scenario;
	const char *why = NULL;

	if (!e) {
		eerr(err, errlen, "out of memory");
		return NULL;
	}
	e->cfg = *cfg;
	pthread_mutex_init(&e->mu, NULL);
	pthread_mutex_init(&e->cam_mu, NULL);
	e->cam_back_ns = -1;
	e->listen_fd = e->pty_slave = -1;
	e->reopen_ns = -1;
	e->stop_fd = -1;
	snprintf(e->name, sizeof e->name, "%s", cfg->name ? cfg->name : "emul");
	snprintf(e->ident, sizeof e->ident, "%s", cfg->ident ? cfg->ident : "afsim-emulator");
	if (s) {
		e->rig = s->rig;
		e->room = s->room;
	} else {
		mdl_rig_default(&e->rig);
		mdl_room_profile_default(&e->room);
	}
	e->sh = sim_hal_new(&e->rig, &e->room, cfg->seed, NULL, &why);
	if (!e->sh) {
		eerr(err, errlen, "cannot build the emulated rig: %s", why);
		goto fail;
	}
	sim_hal_bind(e->sh, &e->hal);
	sim_rng_stream(&e->noise, cfg->seed, SIM_STREAM_FAULTS);
	if (s && s->n_faults) {
		e->rf = calloc(s->n_faults, sizeof *e->rf);
		if (!e->rf) {
			eerr(err, errlen, "out of memory");
			goto fail;
		}
	}
	/* physics faults to the simulated rig, link faults kept here */
	for (size_t i = 0; s && i < s->n_faults; i++) {
		if (sim_fault_is_rig_level((int)s->faults[i].kind)) {
			e->rf[e->n_rf].f = s->faults[i];
			sim_fault_defaults(&e->rf[e->n_rf].f);
			e->n_rf++;
		} else if (sim_ctl_add_fault(e->sh, &s->faults[i]) != 0) {
			eerr(err, errlen, "out of memory adding faults");
			goto fail;
		}
	}
	return e;
fail:
	hil_emul_free(e);
	return NULL;
}

static void close_client(hil_emul *e)
{
	hil_link_free(e->client);
	e->client = NULL;
	if (e->in_session)
		hil_em_camera_session_end(e);
	e->in_session = false;
}

static void close_pty(hil_emul *e)
{
	close_client(e);
	if (e->pty_slave >= 0)
		close(e->pty_slave);
	e->pty_slave = -1;
}

void hil_emul_free(hil_emul *e)
{
	if (!e)
		return;
	hil_em_camera_free(e); /* first: its thread renders from the world */
	close_pty(e);
	if (e->listen_fd >= 0)
		close(e->listen_fd);
	sim_hal_free(e->sh);
	pthread_mutex_destroy(&e->mu);
	pthread_mutex_destroy(&e->cam_mu);
	free(e->rf);
	free(e->px);
	free(e->pay);
	free(e);
}

const char *hil_emul_spec(const hil_emul *e)
{
	return e->spec;
}

sim_hal *hil_emul_sim(hil_emul *e)
{
	return e->sh;
}

void hil_emul_get_stats(hil_emul *e, hil_emul_stats *out)
{
	*out = e->st;
	pthread_mutex_lock(&e->cam_mu);
	out->camera_frames = e->cam_frames;
	out->camera_dropped = e->cam_dropped;
	pthread_mutex_unlock(&e->cam_mu);
}

void hil_emul_lock(hil_emul *e)
{
	pthread_mutex_lock(&e->mu);
}

void hil_emul_unlock(hil_emul *e)
{
	pthread_mutex_unlock(&e->mu);
}

/* ---- listening ---------------------------------------------------------- */

/* "tcp:HOST:PORT" of a socket address. */
static void addr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof host, port, sizeof port,
			NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, size, "tcp:?");
		return;
	}
	snprintf(buf, size, strchr(host, ':') ? "tcp:[%s]:%s" : "tcp:%s:%s", host, port);
}

int hil_emul_listen_tcp(hil_emul *e, const char *host, uint16_t port, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char ps[8];
	int one = 1, rc, fd;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(ps, sizeof ps, "%u", (unsigned)port);
	rc = getaddrinfo(host, ps, &hints, &res);
	if (rc != 0)
		return eerr(err, errlen, "cannot listen on '%s:%u': %s", host, (unsigned)port,
			    gai_strerror(rc));
	fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    res->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		rc = errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return eerr(err, errlen, "cannot listen on '%s:%u': %s", host, (unsigned)port,
			    strerror(rc));
	}
	freeaddrinfo(res);
	e->listen_fd = fd;
	addr_text((struct sockaddr *)&ss, sl, e->spec, sizeof e->spec);
	return 0;
}

int hil_emul_open_pty(hil_emul *e, char *err, size_t errlen)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), s = -1;
	char path[128];

	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, path, sizeof path) != 0)
		goto fail;
	/* the slave raw (no echo, no line editing) before any client: bytes
	 * written to the master reach a reader as they are */
	s = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0 || hil_serial_raw(s, 115200) != 0)
		goto fail;
	e->client = hil_link_wrap(m);
	if (!e->client) {
		close(s);
		return eerr(err, errlen, "out of memory");
	}
	e->pty = true;
	e->pty_slave = s;
	e->in_session = false;
	snprintf(e->spec, sizeof e->spec, "serial:%s", path);
	snprintf(e->peer, sizeof e->peer, "serial:%s", path);
	return 0;
fail:
	{
		int saved = errno;

		if (s >= 0)
			close(s);
		if (m >= 0)
			close(m);
		return eerr(err, errlen, "cannot open a pseudo-terminal: %s", strerror(saved));
	}
}

/* ---- time --------------------------------------------------------------- */

static void accept_client(hil_emul *e);

/*
 * Wait until the wall clock reaches t_ns or stop_fd is readable.  A client
 * knocking meanwhile is turned away at once (busy) rather than left
 * waiting in the backlog for the end of a long move or a slow reply.
 */
static void sleep_until(hil_emul *e, int64_t t_ns)
{
	for (;;) {
		int64_t left = t_ns - hil_now_ns();
		struct pollfd p[2];
		nfds_t np = 0;
		int n;

		if (left <= 0 || e->stopping)
			return;
		if (e->stop_fd >= 0)
			p[np++] = (struct pollfd){ e->stop_fd, POLLIN, 0 };
		if (e->listen_fd >= 0)
			p[np++] = (struct pollfd){ e->listen_fd, POLLIN, 0 };
		n = poll(p, np, (int)((left + 999999) / 1000000));
		if (n <= 0)
			continue;
		if (e->stop_fd >= 0 && p[0].revents) {
			e->stopping = true;
			return;
		}
		if (e->listen_fd >= 0 && p[np - 1].revents)
			accept_client(e);
	}
}

void hil_em_start_clock(hil_emul *e)
{
	if (e->started)
		return;
	e->started = true;
	e->wall0_ns = hil_now_ns();
	e->virt0_ns = sim_ctl_now_ns(e->sh);
}

void hil_em_catch_up(hil_emul *e)
{
	int64_t target, now_v;

	if (!e->cfg.pacing || !e->started)
		return;
	target = e->virt0_ns + (hil_now_ns() - e->wall0_ns);
	now_v = sim_ctl_now_ns(e->sh);
	if (target > now_v)
		sim_ctl_advance(e->sh, target - now_v);
}

int64_t hil_em_wall_of(const hil_emul *e, int64_t t_ns)
{
	return e->wall0_ns + (t_ns - e->virt0_ns);
}

/* ---- sessions and rig-level faults ------------------------------------ */

static void start_session(hil_emul *e)
{
	int64_t now = hil_now_ns();

	e->in_session = true;
	e->conn_t0_ns = now;
	e->conn_requests = 0;
	for (size_t i = 0; i < e->n_rf; i++) {
		e->rf[i].fired = false;
		e->rf[i].until_ns = 0;
	}
	pthread_mutex_lock(&e->mu);
	hil_em_start_clock(e);
	pthread_mutex_unlock(&e->mu);
	e->st.connections++;
}

static bool effect(const hil_emul *e, int kind, int64_t now, double *max_ms)
{
	bool on = false;

	for (size_t i = 0; i < e->n_rf; i++) {
		const rig_fault *r = &e->rf[i];

		if (r->fired && (int)r->f.kind == kind && now < r->until_ns) {
			on = true;
			if (max_ms && r->f.duration_ms > *max_ms)
				*max_ms = r->f.duration_ms;
		}
	}
	return on;
}

/* Hang up the client (link_drop). */
static void drop_link(hil_emul *e, const sim_fault *f, int64_t now)
{
	int64_t dur = (int64_t)(f->duration_s * 1e9);

	hil_em_log(e, "link_drop: closing the connection of %s", e->peer);
	if (dur > 0)
		e->refuse_until_ns = now + dur;
	if (e->pty) {
		close_pty(e);
		e->reopen_ns = now + (dur > 0 ? dur : 0);
	} else {
		close_client(e);
	}
}

/* Fire the rig-level faults of the session that are due; false when one
 * dropped the link. */
static bool poll_rig_faults(hil_emul *e, int64_t now)
{
	if (!e->in_session)
		return true;
	for (size_t i = 0; i < e->n_rf; i++) {
		rig_fault *r = &e->rf[i];
		bool due = (r->f.at_ns >= 0 && now - e->conn_t0_ns >= r->f.at_ns) ||
			   (r->f.at_op >= 0 && e->conn_requests >= (uint64_t)r->f.at_op);

		if (r->fired || !due)
			continue;
		r->fired = true;
		r->until_ns = r->f.duration_s > 0 ? now + (int64_t)(r->f.duration_s * 1e9) : INT64_MAX;
		e->st.faults++;
		hil_em_log(e, "fault %s fired (%.3f s into the connection, request %" PRIu64 ")",
		      sim_fault_name(r->f.kind), (double)(now - e->conn_t0_ns) / 1e9, e->conn_requests);
		if ((int)r->f.kind == SIM_FAULT_LINK_DROP) {
			drop_link(e, &r->f, now);
			return false;
		}
		if ((int)r->f.kind == SIM_FAULT_CAMERA_DELAY ||
		    (int)r->f.kind == SIM_FAULT_CAMERA_INCOMPLETE ||
		    (int)r->f.kind == SIM_FAULT_CAMERA_GONE)
			hil_em_camera_fault(e, &r->f, now, r->until_ns);
	}
	return true;
}

/* Wall time of the next time-triggered rig fault of the session (or of a
 * gone camera's return), or -1. */
static int64_t next_fault_ns(const hil_emul *e)
{
	int64_t t = e->cam_back_ns >= 0 && e->cam_back_ns < INT64_MAX ? e->cam_back_ns : -1;

	if (!e->in_session)
		return t;
	for (size_t i = 0; i < e->n_rf; i++) {
		const rig_fault *r = &e->rf[i];

		if (!r->fired && r->f.at_ns >= 0 && (t < 0 || e->conn_t0_ns + r->f.at_ns < t))
			t = e->conn_t0_ns + r->f.at_ns;
	}
	return t;
}

/* ---- requests ----------------------------------------------------------- */

/* garbage: a line reply becomes noise; a frame keeps its header and gets
 * flipped pixels, which its checksum catches. */
static void corrupt(hil_emul *e)
{
	size_t n;

	if (e->pay_len) {
		for (int k = 0; k < 4; k++)
			e->pay[sim_rng_next(&e->noise) % e->pay_len] ^= 0xa5;
		return;
	}
	n = 16 + (size_t)(sim_rng_next(&e->noise) % 32);
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)(1 + sim_rng_next(&e->noise) % 255);

		e->out[i] = b == '\n' ? '#' : (char)b;
	}
	e->out[n] = '\n';
	e->out_len = n + 1;
}

/* Send the reply to the client; a client that does not take it within
 * the grace time is closed (a pty's session ends). */
static void send_reply(hil_emul *e)
{
	char lerr[HIL_PROTO_ERR_MAX];
	int64_t deadline = hil_now_ns() + WRITE_GRACE_NS + (int64_t)e->pay_len * 1000;

	trace_line(e, '>', e->out, e->out_len, e->pay_len);
	if (hil_link_write(e->client, e->out, e->out_len, deadline, lerr, sizeof lerr) == AF_OK &&
	    (e->pay_len == 0 ||
	     hil_link_write(e->client, e->pay, e->pay_len, deadline, lerr, sizeof lerr) == AF_OK))
		return;
	hil_em_log(e, "cannot reply to %s: %s; closing", e->peer, lerr);
	if (e->pty)
		e->in_session = false;
	else
		close_client(e);
}

/* One request line: parse, faults, catch up, run, pace, reply.  too_long:
 * the line was cut at HIL_PROTO_LINE_MAX + 1 bytes. */
static void handle_line(hil_emul *e, const char *line, size_t len, bool too_long)
{
	hil_request rq;
	char perr[HIL_PROTO_ERR_MAX];
	double slow_ms = 0.0;
	int64_t now = hil_now_ns(), due = 0;
	int prc, n;

	e->st.requests++;
	e->all_requests++;
	prc = hil_proto_parse_request(line, len, &rq, perr, sizeof perr);
	if (too_long) {
		uint32_t id = 0;

		prc = AF_EPROTO;
		rq.id = hil_proto_reply_id(line, len, &id) == 0 ? id : 0;
		snprintf(perr, sizeof perr, "line longer than %d bytes", HIL_PROTO_LINE_MAX);
	}
	if (!e->in_session || (e->pty && prc == AF_OK && rq.verb == HIL_HELLO))
		start_session(e);
	trace_line(e, '<', line, len, 0);
	e->conn_requests++;
	if (!poll_rig_faults(e, now))
		return;
	if (effect(e, SIM_FAULT_NO_REPLY, now, NULL)) {
		e->st.swallowed++;
		return;
	}
	if (prc != AF_OK) {
		e->st.bad_requests++;
		e->pay_len = 0;
		n = hil_proto_format_error(rq.id, AF_EPROTO, perr, e->out, sizeof e->out);
		e->out_len = n < 0 ? 0 : (size_t)n;
	} else {
		pthread_mutex_lock(&e->mu);
		hil_em_catch_up(e);
		sim_ctl_begin_op(e->sh, (int64_t)e->all_requests);
		hil_em_execute(e, &rq);
		due = hil_em_wall_of(e, sim_ctl_now_ns(e->sh));
		pthread_mutex_unlock(&e->mu);
	}
	if (e->out_len == 0)
		return;
	if (effect(e, SIM_FAULT_GARBAGE, now, NULL))
		corrupt(e);
	if (e->cfg.pacing && prc == AF_OK)
		sleep_until(e, due);
	if (effect(e, SIM_FAULT_SLOW_REPLY, now, &slow_ms))
		sleep_until(e, hil_now_ns() + (int64_t)(slow_ms * 1e6));
	if (!e->stopping)
		send_reply(e);
}

/* Read and handle every complete line the client has sent. */
static void serve_client(hil_emul *e)
{
	char line[HIL_PROTO_LINE_BUF], lerr[HIL_PROTO_ERR_MAX];
	size_t len;

	while (e->client && !e->stopping) {
		int rc = hil_link_read_line(e->client, line, sizeof line, &len, 0, lerr, sizeof lerr);

		if (rc == AF_OK) {
			handle_line(e, line, len, false);
		} else if (rc == AF_EPROTO) {
			/* too long: answered EPROTO, the connection stays */
			handle_line(e, line, len, true);
		} else if (rc == AF_EIO) {
			hil_em_log(e, "%s disconnected", e->peer);
			close_client(e);
		} else {
			return;
		}
	}
}

static void accept_client(hil_emul *e)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char peer[HIL_TRANSPORT_TEXT_MAX], line[HIL_PROTO_LINE_BUF];
	int64_t now = hil_now_ns();
	int fd = accept4(e->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int n;

	if (fd < 0)
		return;
	addr_text((struct sockaddr *)&ss, sl, peer, sizeof peer);
	if (e->client || now < e->refuse_until_ns) {
		e->st.refused++;
		if (e->client) {
			char msg[HIL_PROTO_LINE_MAX];

			snprintf(msg, sizeof msg, "rig '%s' is held by %s (connected %.1f s ago)",
				 e->name, e->peer, (double)(now - e->conn_t0_ns) / 1e9);
			n = hil_proto_format_error(0, HIL_PROTO_EBUSY, msg, line, sizeof line);
			if (n > 0)
				(void)send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
			hil_em_log(e, "refused %s: busy, held by %s", peer, e->peer);
		} else {
			hil_em_log(e, "refused %s: link_drop in effect", peer);
		}
		close(fd);
		return;
	}
	e->client = hil_link_wrap(fd);
	if (!e->client)
		return;
	snprintf(e->peer, sizeof e->peer, "%s", peer);
	start_session(e);
	hil_em_log(e, "%s connected", peer);
}

int hil_emul_serve(hil_emul *e, int stop_fd, char *err, size_t errlen)
{
	e->stop_fd = stop_fd;
	e->stopping = false;
	if (e->listen_fd < 0 && !e->pty)
		return eerr(err, errlen, "not listening: call hil_emul_listen_tcp or hil_emul_open_pty");
	if (e->cfg.on_ready)
		e->cfg.on_ready(e->cfg.user, e->spec);
	while (!e->stopping) {
		struct pollfd p[3];
		int np = 0, ms = -1, i_stop = -1, i_listen = -1, i_client = -1;
		int64_t now = hil_now_ns(), t = next_fault_ns(e);

		if (e->pty && !e->client && e->reopen_ns >= 0 && now >= e->reopen_ns) {
			e->reopen_ns = -1;
			if (hil_emul_open_pty(e, err, errlen) != 0)
				return -1;
			if (e->cfg.on_ready)
				e->cfg.on_ready(e->cfg.user, e->spec);
		}
		if (e->pty && !e->client && e->reopen_ns >= 0)
			t = t < 0 || e->reopen_ns < t ? e->reopen_ns : t;
		if (t >= 0)
			ms = t <= now ? 0 : (int)((t - now + 999999) / 1000000);
		if (stop_fd >= 0) {
			p[np] = (struct pollfd){ stop_fd, POLLIN, 0 };
			i_stop = np++;
		}
		if (e->listen_fd >= 0) {
			p[np] = (struct pollfd){ e->listen_fd, POLLIN, 0 };
			i_listen = np++;
		}
		if (e->client) {
			p[np] = (struct pollfd){ hil_link_fd(e->client), POLLIN, 0 };
			i_client = np++;
		}
		if (poll(p, (nfds_t)np, ms) < 0) {
			if (errno == EINTR)
				continue;
			return eerr(err, errlen, "poll: %s", strerror(errno));
		}
		if (i_stop >= 0 && p[i_stop].revents)
			break;
		/* the client first: one that hung up just before the next one
		 * connected (runs one after the other) is gone before the new
		 * one is looked at, not holding the rig */
		if (i_client >= 0 && e->client && p[i_client].revents)
			serve_client(e);
		if (i_listen >= 0 && (p[i_listen].revents & POLLIN))
			accept_client(e);
		if (e->client)
			(void)poll_rig_faults(e, hil_now_ns());
		hil_em_camera_tick(e, hil_now_ns());
	}
	return 0;
}
