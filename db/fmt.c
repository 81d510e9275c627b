/*
 * fmt.c - JSON and text number helpers (fmt.h).
 */
#include "db/fmt.h"

#include <math.h>

void db_json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void db_json_num(FILE *f, double v)
{
	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	if (v == 0)
		v = 0;   /* no "-0" */
	fprintf(f, "%.10g", v);
}

void db_json_bool(FILE *f, int b)
{
	fputs(b ? "true" : "false", f);
}

const char *db_fmt_num(char *buf, size_t size, double v, int prec)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.*f", prec, v);
	return buf;
}

const char *db_plural_s(size_t n)
{
	return n == 1 ? "" : "s";
}
