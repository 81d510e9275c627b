/*
 * fmt.h - small output helpers shared by the report and the regression
 * printers: JSON strings and numbers (NaN and infinities as null, strings
 * escaped per RFC 8259), and fixed-width numbers for text tables ("-" for
 * NaN).  Output goes to a FILE*; errors are left to the caller's ferror.
 */
#ifndef DB_FMT_H
#define DB_FMT_H

#include <stddef.h>
#include <stdio.h>

/* "text" with ", \, control characters and DEL escaped; NULL as null. */
void db_json_str(FILE *f, const char *s);
/* A finite number with 10 significant digits; NaN or +-inf as null. */
void db_json_num(FILE *f, double v);
/* "true" / "false". */
void db_json_bool(FILE *f, int b);

/* "" when n == 1, else "s": "%zu run%s", n, db_plural_s(n). */
const char *db_plural_s(size_t n);

/* v with prec decimals into buf (size bytes); "-" when NaN. Returns buf. */
const char *db_fmt_num(char *buf, size_t size, double v, int prec);

#endif /* DB_FMT_H */
