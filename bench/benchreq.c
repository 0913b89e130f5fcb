/*
 * benchreq.c - wksjobs-benchreq: precompute AK/SK-signed HTTP requests
 * for wrk (bench/replay.lua) and for one-off curl calls.  Every request
 * is signed with SDK-HMAC-SHA256 by the project's own signer (sig_sign,
 * tested on the SDK vectors) and carries its own X-Sdk-Date (now minus
 * i mod --date-spread seconds, inside the 15-minute skew), so the server
 * verifies a real signature on every request it is sent.
 *
 *   wksjobs-benchreq --ak AK --sk SK --host 127.0.0.1:PORT \
 *       --method GET --path /v2/P/workspace-sub-jobs --query limit=100 \
 *       --count N --out FILE            N copies (dates differ)
 *   ... --method POST --path-fmt /v2/%s/workspace-sub-jobs/batch-delete \
 *       --ids deletable.txt --skip K --count N --out FILE
 *                                       one request per ID line: body
 *                                       {"job_ids":[...]} of that line
 *   ... --pages K (with --query)       request i asks for the page at
 *                                       offset B + (i mod K) * S: K
 *                                       different pages in turn
 *       [--page-base B] [--page-step S] (0 and 1: K pages near the top)
 *   ... --body JSON --curl FILE         a curl -K config instead
 *
 * Output for wrk: for each request its length in decimal, '\n', then the
 * raw request bytes.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/sig.h"
#include "util/buf.h"
#include "util/util.h"

struct opts {
	const char *ak, *sk, *host, *method, *path, *path_fmt, *query, *body;
	const char *ids, *out, *curl;
	long	    count, skip, spread, pages, page_base, page_step;
};

static void
die(const char *msg)
{
	fprintf(stderr, "wksjobs-benchreq: %s\n", msg);
	exit(1);
}

/* Sign one request; headers Host, X-Sdk-Date, Content-Type. */
static char *
sign(const struct opts *o, const char *path, const char *body, int64_t ms,
    char date[17])
{
	struct sig_header h[3];
	struct sig_request r;
	char *auth = NULL;

	sig_format_date(ms, date);
	h[0] = (struct sig_header){ "Host", o->host };
	h[1] = (struct sig_header){ "X-Sdk-Date", date };
	h[2] = (struct sig_header){ "Content-Type", "application/json" };
	memset(&r, 0, sizeof(r));
	r.method = o->method;
	r.path = path;
	r.query = o->query;
	r.headers = h;
	r.n_headers = 3;
	r.body = body;
	r.body_len = body != NULL ? strlen(body) : 0;
	if (sig_sign(&r, o->ak, o->sk, &auth) != 0)
		die("signing failed");
	return auth;
}

static void
emit_raw(FILE *f, const struct opts *o, const char *path, const char *body,
    int64_t ms)
{
	struct buf b;
	char date[17], *auth;

	auth = sign(o, path, body, ms, date);
	buf_init(&b);
	buf_printf(&b, "%s %s%s%s HTTP/1.1\r\nHost: %s\r\nX-Sdk-Date: %s\r\n"
	    "Content-Type: application/json\r\nAuthorization: %s\r\n",
	    o->method, path, o->query != NULL ? "?" : "",
	    o->query != NULL ? o->query : "", o->host, date, auth);
	if (body != NULL)
		buf_printf(&b, "Content-Length: %zu\r\n\r\n%s", strlen(body),
		    body);
	else
		buf_puts(&b, "\r\n");
	if (b.failed)
		die("out of memory");
	fprintf(f, "%zu\n", b.len);
	fwrite(b.data, 1, b.len, f);
	buf_free(&b);
	free(auth);
}

/* A curl -K config line value: quoted, with \ and " escaped. */
static void
curl_str(FILE *f, const char *key, const char *v)
{
	fprintf(f, "%s = \"", key);
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', f);
		fputc(*v, f);
	}
	fputs("\"\n", f);
}

static void
emit_curl(FILE *f, const struct opts *o, const char *path, const char *body,
    int64_t ms)
{
	char date[17], *auth, url[4096], hdr[1024];

	auth = sign(o, path, body, ms, date);
	snprintf(url, sizeof(url), "http://%s%s%s%s", o->host, path,
	    o->query != NULL ? "?" : "", o->query != NULL ? o->query : "");
	curl_str(f, "url", url);
	curl_str(f, "request", o->method);
	snprintf(hdr, sizeof(hdr), "X-Sdk-Date: %s", date);
	curl_str(f, "header", hdr);
	curl_str(f, "header", "Content-Type: application/json");
	snprintf(hdr, sizeof(hdr), "Authorization: %s", auth);
	curl_str(f, "header", hdr);
	if (body != NULL)
		curl_str(f, "data-binary", body);
	free(auth);
}

/* "project id,id,..." into a path and a {"job_ids":[...]} body. */
static int
id_line(const struct opts *o, char *line, char *path, size_t pcap,
    struct buf *body)
{
	char *sp, *id, *save = NULL;
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	if ((sp = strchr(line, ' ')) == NULL)
		return -1;
	*sp = '\0';
	snprintf(path, pcap, o->path_fmt, line);
	body->len = 0;
	buf_puts(body, "{\"job_ids\":[");
	for (id = strtok_r(sp + 1, ",", &save); id != NULL;
	    id = strtok_r(NULL, ",", &save))
		buf_printf(body, "%s\"%s\"", n++ ? "," : "", id);
	buf_puts(body, "]}");
	return body->failed ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ak", required_argument, NULL, 'a' },
		{ "sk", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'h' },
		{ "method", required_argument, NULL, 'm' },
		{ "path", required_argument, NULL, 'p' },
		{ "path-fmt", required_argument, NULL, 'P' },
		{ "query", required_argument, NULL, 'q' },
		{ "body", required_argument, NULL, 'b' },
		{ "ids", required_argument, NULL, 'i' },
		{ "skip", required_argument, NULL, 'k' },
		{ "count", required_argument, NULL, 'n' },
		{ "pages", required_argument, NULL, 'G' },
		{ "page-base", required_argument, NULL, 'B' },
		{ "page-step", required_argument, NULL, 'S' },
		{ "date-spread", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "curl", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o;
	struct buf body;
	char line[1024], path[512];
	int64_t now = wj_now_ms();
	FILE *f, *in = NULL;
	long i;
	int c;

	memset(&o, 0, sizeof(o));
	o.method = "GET";
	o.count = 1;
	o.spread = 60;
	o.page_step = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'a': o.ak = optarg; break;
		case 's': o.sk = optarg; break;
		case 'h': o.host = optarg; break;
		case 'm': o.method = optarg; break;
		case 'p': o.path = optarg; break;
		case 'P': o.path_fmt = optarg; break;
		case 'q': o.query = *optarg != '\0' ? optarg : NULL; break;
		case 'b': o.body = optarg; break;
		case 'i': o.ids = optarg; break;
		case 'k': o.skip = atol(optarg); break;
		case 'n': o.count = atol(optarg); break;
		case 'G': o.pages = atol(optarg); break;
		case 'B': o.page_base = atol(optarg); break;
		case 'S': o.page_step = atol(optarg); break;
		case 'd': o.spread = atol(optarg); break;
		case 'o': o.out = optarg; break;
		case 'c': o.curl = optarg; break;
		default: die("bad option (see bench/benchreq.c)");
		}
	}
	if (o.ak == NULL || o.sk == NULL || o.host == NULL ||
	    (o.out == NULL) == (o.curl == NULL) || o.count < 1 ||
	    o.spread < 1 || (o.ids != NULL && o.path_fmt == NULL) ||
	    (o.pages != 0 && (o.pages < 1 || o.query == NULL)) ||
	    o.page_base < 0 || o.page_step < 1 ||
	    (o.ids == NULL && o.path == NULL))
		die("need --ak --sk --host, --path or --ids with --path-fmt, "
		    "and one of --out / --curl");
	if ((f = fopen(o.out != NULL ? o.out : o.curl, "w")) == NULL)
		die("cannot write output");
	if (o.curl != NULL) {
		emit_curl(f, &o, o.path, o.body, now);
		fclose(f);
		return 0;
	}
	buf_init(&body);
	if (o.ids != NULL && (in = fopen(o.ids, "r")) == NULL)
		die("cannot read --ids");
	for (i = 0; in != NULL && i < o.skip; i++)
		if (fgets(line, sizeof(line), in) == NULL)
			die("--skip beyond the end of --ids");
	for (i = 0; i < o.count; i++) {
		int64_t ms = now - (i % o.spread) * 1000;

		if (in == NULL && o.pages > 0) {
			struct opts p = o;
			char q[2048];

			snprintf(q, sizeof(q), "%s&offset=%ld", o.query,
			    o.page_base + (i % o.pages) * o.page_step);
			p.query = q;
			emit_raw(f, &p, o.path, o.body, ms);
			continue;
		}
		if (in == NULL) {
			emit_raw(f, &o, o.path, o.body, ms);
			continue;
		}
		if (fgets(line, sizeof(line), in) == NULL)
			die("--ids ran out");
		if (id_line(&o, line, path, sizeof(path), &body) != 0)
			die("bad --ids line");
		emit_raw(f, &o, path, body.data, ms);
	}
	buf_free(&body);
	if (in != NULL)
		fclose(in);
	if (fclose(f) != 0)
		die("write failed");
	return 0;
}
