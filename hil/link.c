/*
 * link.c - TCP and serial transports with deadlines (link.h).
 *
 * One read buffer per link, large enough for any protocol line many times
 * over; frame payloads are read straight into the caller's buffer once the
 * buffered bytes are used up.  Every wait is poll(2) on the descriptor with
 * the time left to the caller's deadline, rounded up to a millisecond, and
 * the deadline is checked again after every wake-up, so EINTR, a trickle of
 * bytes or a spurious wake-up never stretch a call past it.
 */
#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "engine/af_hal.h"

/* Input buffer: 64 KiB, far beyond a protocol line (512 bytes). */
#define LINK_BUF 65536
/* Most a drain discards in one call. */
#define DRAIN_MAX ((size_t)1 << 20)

struct hil_link {
	int fd;
	bool is_socket;
	int64_t byte_ns;
	bool skipping;          /* dropping the rest of an over-long line */
	size_t start, end;      /* buffered bytes: buf[start..end) */
	uint64_t bytes_in, bytes_out;
	char buf[LINK_BUF];
};

int64_t hil_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int lerr(int code, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* ---- transport specs ---------------------------------------------------- */

static const struct {
	uint32_t baud;
	speed_t speed;
} bauds[] = {
	{ 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
	{ 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 }, { 115200, B115200 },
	{ 230400, B230400 }, { 460800, B460800 }, { 500000, B500000 }, { 576000, B576000 },
	{ 921600, B921600 }, { 1000000, B1000000 }, { 1152000, B1152000 },
	{ 1500000, B1500000 }, { 2000000, B2000000 }, { 2500000, B2500000 },
	{ 3000000, B3000000 }, { 3500000, B3500000 }, { 4000000, B4000000 },
};
#define N_BAUDS (sizeof bauds / sizeof bauds[0])

static int baud_speed(uint32_t baud, speed_t *sp)
{
	for (size_t i = 0; i < N_BAUDS; i++)
		if (bauds[i].baud == baud) {
			*sp = bauds[i].speed;
			return 0;
		}
	return -1;
}

/* Digits only, no leading zero, value in [lo, hi]. */
static int spec_uint(const char *s, size_t n, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 10 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

static int parse_tcp(const char *spec, const char *s, hil_transport *out, char *err,
		     size_t errlen)
{
	const char *colon, *h = s, *he;
	uint32_t port;

	if (*s == '[') {
		h = s + 1;
		he = strchr(h, ']');
		if (!he || he == h || he[1] != ':')
			return lerr(-1, err, errlen,
				    "transport '%s': expected tcp:[IPV6]:PORT after '['", spec);
		colon = he + 1;
		for (const char *p = h; p < he; p++)
			if (!(host_char(*p) || *p == ':' || *p == '%'))
				return lerr(-1, err, errlen,
					    "transport '%s': bad character in the IPv6 address", spec);
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s)
			return lerr(-1, err, errlen, "transport '%s': expected tcp:HOST:PORT", spec);
		he = colon;
		for (const char *p = h; p < he; p++)
			if (!host_char(*p))
				return lerr(-1, err, errlen,
					    "transport '%s': bad character '%c' in the host name, expected "
					    "[A-Za-z0-9._-] (or [IPv6])", spec, *p);
	}
	if ((size_t)(he - h) >= sizeof out->host)
		return lerr(-1, err, errlen, "transport '%s': host name too long", spec);
	if (spec_uint(colon + 1, strlen(colon + 1), 1, 65535, &port))
		return lerr(-1, err, errlen, "transport '%s': port '%s' is not in 1..65535", spec,
			    colon + 1);
	out->kind = HIL_TRANSPORT_TCP;
	memcpy(out->host, h, (size_t)(he - h));
	out->host[he - h] = '\0';
	out->port = (uint16_t)port;
	return 0;
}

static int parse_serial(const char *spec, const char *s, hil_transport *out, char *err,
			size_t errlen)
{
	const char *at = strrchr(s, '@');
	speed_t sp;
	uint32_t baud;

	if (*s != '/' || !at || at == s + 1)
		return lerr(-1, err, errlen,
			    "transport '%s': expected serial:/dev/DEVICE@BAUD (an absolute path)", spec);
	if ((size_t)(at - s) >= sizeof out->device)
		return lerr(-1, err, errlen, "transport '%s': device path too long", spec);
	if (spec_uint(at + 1, strlen(at + 1), 1, 4000000, &baud) || baud_speed(baud, &sp))
		return lerr(-1, err, errlen,
			    "transport '%s': baud '%s' is not a serial speed (9600, 19200, 38400, "
			    "57600, 115200, 230400, 460800, 921600, ... 4000000)", spec, at + 1);
	out->kind = HIL_TRANSPORT_SERIAL;
	memcpy(out->device, s, (size_t)(at - s));
	out->device[at - s] = '\0';
	out->baud = baud;
	return 0;
}

int hil_transport_parse(const char *spec, hil_transport *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (strncmp(spec, "tcp:", 4) == 0)
		return parse_tcp(spec, spec + 4, out, err, errlen);
	if (strncmp(spec, "serial:", 7) == 0)
		return parse_serial(spec, spec + 7, out, err, errlen);
	return lerr(-1, err, errlen,
		    "transport '%s': expected tcp:HOST:PORT or serial:/dev/DEVICE@BAUD", spec);
}

const char *hil_transport_text(const hil_transport *t, char *buf, size_t size)
{
	if (t->kind == HIL_TRANSPORT_SERIAL)
		snprintf(buf, size, "serial:%s@%u", t->device, t->baud);
	else if (strchr(t->host, ':'))
		snprintf(buf, size, "tcp:[%s]:%u", t->host, (unsigned)t->port);
	else
		snprintf(buf, size, "tcp:%s:%u", t->host, (unsigned)t->port);
	return buf;
}

/* ---- waiting ------------------------------------------------------------ */

/* Wait for events on fd until deadline_ns: 1 ready (revents in *rev), 0
 * deadline reached, -1 poll failed. */
static int wait_fd(int fd, short events, int64_t deadline_ns, short *rev)
{
	for (;;) {
		int64_t left = deadline_ns - hil_now_ns();
		struct pollfd p = { fd, events, 0 };
		int ms, n;

		if (left <= 0)
			return 0;
		ms = left > (int64_t)1 << 30 ? 1 << 30 : (int)((left + 999999) / 1000000);
		n = poll(&p, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n > 0) {
			*rev = p.revents;
			return 1;
		}
	}
}

/* ---- opening ------------------------------------------------------------ */

static hil_link *link_new(int fd, bool is_socket, int64_t byte_ns)
{
	hil_link *l = malloc(sizeof *l);

	if (!l) {
		close(fd);
		return NULL;
	}
	memset(l, 0, offsetof(hil_link, buf));
	l->fd = fd;
	l->is_socket = is_socket;
	l->byte_ns = byte_ns;
	return l;
}

hil_link *hil_link_wrap(int fd)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL), one = 1;
	bool sock = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);

	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	/* a reply is a line, then maybe pixels: without TCP_NODELAY the
	 * second write waits for the ACK of the first (Nagle against delayed
	 * ACKs: 40 ms a frame); fails harmlessly on other sockets */
	if (sock)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return link_new(fd, sock, 0);
}

/* One address: a non-blocking connect finished by deadline_ns.  The fd,
 * or -1 with *e the errno. */
static int connect_one(const struct addrinfo *ai, int64_t deadline_ns, int *e)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	int one = 1, soerr = 0;
	socklen_t sl = sizeof soerr;
	short rev = 0;

	if (fd < 0) {
		*e = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		int w;

		if (errno != EINPROGRESS) {
			*e = errno;
			close(fd);
			return -1;
		}
		w = wait_fd(fd, POLLOUT, deadline_ns, &rev);
		if (w <= 0) {
			*e = w == 0 ? ETIMEDOUT : errno;
			close(fd);
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
			*e = soerr ? soerr : errno;
			close(fd);
			return -1;
		}
	}
	/* requests and replies are small: send each at once */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static hil_link *open_tcp(const hil_transport *t, uint32_t timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char port[8], spec[HIL_TRANSPORT_TEXT_MAX];
	int64_t deadline = hil_now_ns() + (int64_t)timeout_ms * 1000000;
	int rc, fd = -1, e = ECONNREFUSED;

	hil_transport_text(t, spec, sizeof spec);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof port, "%u", (unsigned)t->port);
	rc = getaddrinfo(t->host, port, &hints, &res);
	if (rc != 0) {
		lerr(0, err, errlen, "cannot connect to '%s': %s", spec, gai_strerror(rc));
		return NULL;
	}
	for (const struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		if (hil_now_ns() >= deadline) {
			e = ETIMEDOUT;
			break;
		}
		fd = connect_one(ai, deadline, &e);
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (e == ETIMEDOUT)
			lerr(0, err, errlen, "cannot connect to '%s': no connection within %u ms", spec,
			     timeout_ms);
		else
			lerr(0, err, errlen, "cannot connect to '%s': %s", spec, strerror(e));
		return NULL;
	}
	return link_new(fd, true, 0);
}

int hil_serial_raw(int fd, uint32_t baud)
{
	struct termios tio;
	speed_t sp;

	if (tcgetattr(fd, &tio) != 0)
		return -1;
	cfmakeraw(&tio);
	tio.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CSIZE | CRTSCTS);
	tio.c_cflag |= CS8 | CLOCAL | CREAD;
	tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	/* reads return what is there; poll() does the waiting */
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	if (baud) {
		if (baud_speed(baud, &sp) != 0) {
			errno = EINVAL;
			return -1;
		}
		if (cfsetispeed(&tio, sp) != 0 || cfsetospeed(&tio, sp) != 0)
			return -1;
	}
	if (tcsetattr(fd, TCSANOW, &tio) != 0)
		return -1;
	return 0;
}

static hil_link *open_serial(const hil_transport *t, char *err, size_t errlen)
{
	int fd = open(t->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	hil_link *l;

	if (fd < 0) {
		lerr(0, err, errlen, "cannot open serial line '%s': %s", t->device, strerror(errno));
		return NULL;
	}
	if (!isatty(fd) || hil_serial_raw(fd, t->baud) != 0) {
		lerr(0, err, errlen, "cannot configure serial line '%s' (raw, 8N1, %u baud): %s",
		     t->device, t->baud, strerror(errno ? errno : ENOTTY));
		close(fd);
		return NULL;
	}
	(void)tcflush(fd, TCIOFLUSH);
	l = link_new(fd, false, (int64_t)10 * 1000000000 / t->baud);
	if (!l)
		lerr(0, err, errlen, "out of memory");
	return l;
}

hil_link *hil_link_open(const hil_transport *t, uint32_t timeout_ms, char *err, size_t errlen)
{
	hil_link *l;

	if (t->kind == HIL_TRANSPORT_SERIAL)
		return open_serial(t, err, errlen);
	l = open_tcp(t, timeout_ms, err, errlen);
	return l;
}

void hil_link_free(hil_link *l)
{
	if (!l)
		return;
	close(l->fd);
	free(l);
}

int hil_link_fd(const hil_link *l)
{
	return l->fd;
}

int64_t hil_link_byte_ns(const hil_link *l)
{
	return l->byte_ns;
}

uint64_t hil_link_bytes_out(const hil_link *l)
{
	return l->bytes_out;
}

uint64_t hil_link_bytes_in(const hil_link *l)
{
	return l->bytes_in;
}

/* ---- reading and writing ---------------------------------------------- */

int hil_link_write(hil_link *l, const void *data, size_t n, int64_t deadline_ns, char *err,
		   size_t errlen)
{
	const char *p = data;

	while (n > 0) {
		ssize_t w = l->is_socket ? send(l->fd, p, n, MSG_NOSIGNAL) : write(l->fd, p, n);
		short rev = 0;
		int r;

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			l->bytes_out += (uint64_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return lerr(AF_EIO, err, errlen, "%s", errno == EPIPE || errno == ECONNRESET ||
				    errno == EIO ? "connection closed by the peer" : strerror(errno));
		r = wait_fd(l->fd, POLLOUT, deadline_ns, &rev);
		if (r == 0)
			return lerr(AF_ETIMEDOUT, err, errlen, "the peer stopped reading (%zu bytes unsent)",
				    n);
		if (r < 0)
			return lerr(AF_EIO, err, errlen, "%s", strerror(errno));
		if ((rev & (POLLERR | POLLNVAL)) || ((rev & POLLHUP) && !(rev & POLLOUT)))
			return lerr(AF_EIO, err, errlen, "connection closed by the peer");
	}
	return AF_OK;
}

/*
 * A read that returned n <= 0 (not EINTR): AF_OK when it only means "no
 * data yet", AF_EIO when the peer is gone.  A raw terminal (VMIN = VTIME =
 * 0) reads 0 when nothing has arrived, so 0 means end of stream on a
 * socket, and on a terminal only after poll reported a hang-up (POLLHUP:
 * the other side closed; the reads that drain what it sent are > 0).
 */
static int no_data(const hil_link *l, ssize_t n, bool hup, char *err, size_t errlen)
{
	if (n == 0 && !l->is_socket && !hup)
		return AF_OK;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return AF_OK;
	return lerr(AF_EIO, err, errlen, "%s",
		    n == 0 || errno == ECONNRESET || errno == EIO ? "connection closed by the peer"
								 : strerror(errno));
}

/* What a wait for input (wait_fd's r and revents) says: AF_OK read again,
 * AF_EIO the descriptor is closed or failed. */
static int after_wait(int r, short rev, char *err, size_t errlen)
{
	if (r < 0)
		return lerr(AF_EIO, err, errlen, "%s", strerror(errno));
	if (rev & POLLNVAL)
		return lerr(AF_EIO, err, errlen, "descriptor closed");
	if ((rev & (POLLHUP | POLLERR)) && !(rev & POLLIN))
		return lerr(AF_EIO, err, errlen, "connection closed by the peer");
	return AF_OK;
}

/* Read what the descriptor has into the buffer, waiting until deadline_ns
 * for at least one byte.  AF_OK, AF_ETIMEDOUT, AF_EIO. */
static int fill(hil_link *l, int64_t deadline_ns, char *err, size_t errlen)
{
	if (l->start > 0 && (l->start == l->end || l->end == LINK_BUF)) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
	}
	for (bool hup = false;;) {
		ssize_t n;
		short rev = 0;
		int r;

		if (l->end == LINK_BUF)
			return lerr(AF_EPROTO, err, errlen, "input buffer full");
		n = read(l->fd, l->buf + l->end, LINK_BUF - l->end);
		if (n > 0) {
			l->end += (size_t)n;
			l->bytes_in += (uint64_t)n;
			return AF_OK;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if ((r = no_data(l, n, hup, err, errlen)) != AF_OK)
			return r;
		r = wait_fd(l->fd, POLLIN, deadline_ns, &rev);
		hup = (rev & (POLLHUP | POLLERR)) != 0;
		if (r == 0)
			return lerr(AF_ETIMEDOUT, err, errlen, "nothing received");
		if ((r = after_wait(r, rev, err, errlen)) != AF_OK)
			return r;
	}
}

int hil_link_read_line(hil_link *l, char *buf, size_t cap, size_t *len, int64_t deadline_ns,
		       char *err, size_t errlen)
{
	*len = 0;
	if (cap)
		buf[0] = '\0';
	for (;;) {
		size_t have = l->end - l->start;
		char *nl = memchr(l->buf + l->start, '\n', have);
		int rc;

		if (l->skipping && nl) {
			l->start = (size_t)(nl - l->buf) + 1;
			l->skipping = false;
			continue;
		}
		if (l->skipping) {
			l->start = l->end;
		} else if (nl || have >= cap) {
			size_t n = nl ? (size_t)(nl - (l->buf + l->start)) : have;
			size_t c = n < cap ? n : cap - 1;

			memcpy(buf, l->buf + l->start, c);
			buf[c] = '\0';
			*len = c;
			if (nl) {
				l->start += n + 1;
			} else {
				l->start = l->end;
				l->skipping = true;
			}
			if (n >= cap)
				return lerr(AF_EPROTO, err, errlen, "a line longer than %zu bytes",
					    cap - 1);
			return AF_OK;
		}
		rc = fill(l, deadline_ns, err, errlen);
		if (rc == AF_ETIMEDOUT && l->end > l->start && !l->skipping)
			lerr(rc, err, errlen, "an incomplete line of %zu bytes, no LF",
			     l->end - l->start);
		if (rc != AF_OK)
			return rc;
	}
}

int hil_link_read_bytes(hil_link *l, void *buf, size_t n, size_t *got, int64_t deadline_ns,
			char *err, size_t errlen)
{
	char *p = buf;
	size_t have = l->end - l->start, take = have < n ? have : n;

	memcpy(p, l->buf + l->start, take);
	l->start += take;
	*got = take;
	for (bool hup = false; *got < n;) {
		ssize_t r = read(l->fd, p + *got, n - *got);
		short rev = 0;
		int w;

		if (r > 0) {
			*got += (size_t)r;
			l->bytes_in += (uint64_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if ((w = no_data(l, r, hup, err, errlen)) != AF_OK)
			return w;
		w = wait_fd(l->fd, POLLIN, deadline_ns, &rev);
		hup = (rev & (POLLHUP | POLLERR)) != 0;
		if (w == 0)
			return lerr(AF_ETIMEDOUT, err, errlen, "%zu of %zu bytes received", *got, n);
		if ((w = after_wait(w, rev, err, errlen)) != AF_OK)
			return w;
	}
	return AF_OK;
}

bool hil_link_has_line(const hil_link *l)
{
	return memchr(l->buf + l->start, '\n', l->end - l->start) != NULL;
}

size_t hil_link_drain(hil_link *l)
{
	size_t dropped = l->end - l->start;
	char scratch[4096];

	l->start = l->end = 0;
	l->skipping = false;
	while (dropped < DRAIN_MAX) {
		ssize_t n = read(l->fd, scratch, sizeof scratch);

		if (n <= 0)
			break;
		dropped += (size_t)n;
		l->bytes_in += (uint64_t)n;
	}
	return dropped;
}
