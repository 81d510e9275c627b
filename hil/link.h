/*
 * link.h - the byte transports under the rig protocol: a TCP connection or
 * a serial line, behind one small interface (write bytes, read a line,
 * read N bytes), every call bounded by a deadline on CLOCK_MONOTONIC.
 *
 * A link owns its file descriptor, kept non-blocking; waiting is poll(2)
 * with the time left to the deadline, so no call blocks past it whatever
 * the peer does (silent, slow, half a line, a flood without LF).  Input is
 * buffered: a line is returned without its LF, and bytes that arrived
 * after it stay for the next read.  Writes to a socket never raise SIGPIPE.
 *
 * A serial line is opened raw (termios: no echo, no line discipline, 8N1,
 * no flow control, CLOCAL) at the given speed; a pseudo-terminal's slave
 * (/dev/pts/N) opens the same way, which is how the tests drive this path.
 */
#ifndef HIL_LINK_H
#define HIL_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HIL_TRANSPORT_TEXT_MAX 300

typedef enum hil_transport_kind { HIL_TRANSPORT_TCP, HIL_TRANSPORT_SERIAL } hil_transport_kind;

/* Where a rig is: "tcp:HOST:PORT" or "serial:/dev/ttyX@BAUD". */
typedef struct hil_transport {
	hil_transport_kind kind;
	char host[256];      /* tcp: a name, an IPv4 address or [IPv6] */
	uint16_t port;       /* tcp: 1..65535 */
	char device[256];    /* serial: an absolute path */
	uint32_t baud;       /* serial: one of the termios speeds, 1200..4000000 */
} hil_transport;

/*
 * Parse a transport spec into *out.  0, or -1 with err (errlen bytes)
 * saying what is wrong and what was expected.
 */
int hil_transport_parse(const char *spec, hil_transport *out, char *err, size_t errlen);
/* The spec of t into buf ("tcp:127.0.0.1:7001"); buf. */
const char *hil_transport_text(const hil_transport *t, char *buf, size_t size);

/* CLOCK_MONOTONIC now, ns. */
int64_t hil_now_ns(void);

typedef struct hil_link hil_link;

/*
 * Connect to t: TCP within timeout_ms (every address the name resolves to,
 * in turn, while time is left), or open and configure the serial device.
 * NULL on failure, with err saying what failed ("cannot connect to
 * 'tcp:127.0.0.1:7001': connection refused").
 */
hil_link *hil_link_open(const hil_transport *t, uint32_t timeout_ms, char *err, size_t errlen);
/* A link over an open descriptor (the emulator's accepted socket or pty
 * master), which it takes over (closed by hil_link_free, also when this
 * fails: NULL when out of memory). */
hil_link *hil_link_wrap(int fd);
/* Close the descriptor and free the link; NULL is a no-op. */
void hil_link_free(hil_link *l);

int hil_link_fd(const hil_link *l);
/* Wire time of one byte, ns: 10 bits at the baud rate on a serial line, 0
 * on TCP (for deadlines that scale with a transfer's size). */
int64_t hil_link_byte_ns(const hil_link *l);

/*
 * Write all n bytes by deadline_ns.  AF_OK; AF_ETIMEDOUT (the peer stopped
 * reading); AF_EIO (connection closed or an error).  err says which.
 */
int hil_link_write(hil_link *l, const void *data, size_t n, int64_t deadline_ns, char *err,
		   size_t errlen);

/*
 * Read one line (bytes up to LF, without it) into buf (cap bytes, NUL
 * added) by deadline_ns; *len is its length.  AF_OK; AF_ETIMEDOUT (no
 * complete line by then: what arrived stays buffered); AF_EIO (closed or
 * an error); AF_EPROTO (more than cap - 1 bytes without an LF: the line is
 * skipped up to its LF, and the first cap - 1 bytes are in buf for the
 * message).  A deadline in the past reads what is already there and does
 * not wait.
 */
int hil_link_read_line(hil_link *l, char *buf, size_t cap, size_t *len, int64_t deadline_ns,
		       char *err, size_t errlen);

/* Read exactly n bytes into buf by deadline_ns: AF_OK, AF_ETIMEDOUT (*got
 * says how many came), AF_EIO. */
int hil_link_read_bytes(hil_link *l, void *buf, size_t n, size_t *got, int64_t deadline_ns,
			char *err, size_t errlen);

/* Whether a complete line is buffered (a server handles every buffered
 * request before it polls again). */
bool hil_link_has_line(const hil_link *l);

/* Drop buffered input and whatever is waiting on the descriptor now (a
 * client resynchronising after a garbled or late reply); bytes dropped. */
size_t hil_link_drain(hil_link *l);

/* Bytes written and read so far. */
uint64_t hil_link_bytes_out(const hil_link *l);
uint64_t hil_link_bytes_in(const hil_link *l);

/* Configure an open terminal descriptor raw, 8N1, no flow control, at baud
 * (0: leave the speed).  0, or -1 with errno set. */
int hil_serial_raw(int fd, uint32_t baud);

#endif /* HIL_LINK_H */
