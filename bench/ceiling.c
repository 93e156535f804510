/*
 * The physical ceiling of case intake on SQLite (issue 8 item 4): the same rows a case intake writes — the case,
 * its first timeline event, its audit entry and the audit head (the schema's triggers add the KPI dirty mark) —
 * inserted straight into a copy of Gongzhi's database by one connection, one transaction per case, with the
 * server's durability settings (WAL, the given synchronous level). No HTTP, no routing, no hashing, no checks:
 * what is left is what the database itself costs.
 *
 * The rows are copied from a case the server wrote (the first row of each table), with fresh keys.
 *
 *   cc -O2 -o ceiling bench/ceiling.c -lsqlite3
 *   ./ceiling DB_FILE COUNT [full|normal] [SECONDS]
 * writes COUNT cases (or as many as SECONDS allow) and prints "<cases> <seconds> <cases per second>".
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static sqlite3 *db;

static void die(const char *what) {
    fprintf(stderr, "ceiling: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static void exec(const char *sql) {
    char *error = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK) {
        fprintf(stderr, "ceiling: %s: %s\n", sql, error);
        exit(1);
    }
}

/* One table's template row and the INSERT that writes a copy of it. */
typedef struct {
    const char *table;
    int columns;
    sqlite3_value **values;
    const char **names;
    sqlite3_stmt *insert;
} Template;

static Template load(const char *table, const char *where) {
    Template t = {.table = table};
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" %s LIMIT 1", table, where);
    sqlite3_stmt *select;
    if (sqlite3_prepare_v2(db, sql, -1, &select, NULL) != SQLITE_OK) die(sql);
    if (sqlite3_step(select) != SQLITE_ROW) {
        fprintf(stderr, "ceiling: no row in %s: run the HTTP intake first\n", table);
        exit(1);
    }
    t.columns = sqlite3_column_count(select);
    t.values = calloc(t.columns, sizeof *t.values);
    t.names = calloc(t.columns, sizeof *t.names);
    char insert[8192];
    int used = snprintf(insert, sizeof insert, "INSERT INTO \"%s\" VALUES (", table);
    for (int i = 0; i < t.columns; i++) {
        t.values[i] = sqlite3_value_dup(sqlite3_column_value(select, i));
        t.names[i] = strdup(sqlite3_column_name(select, i));
        used += snprintf(insert + used, sizeof insert - used, i ? ",?" : "?");
    }
    snprintf(insert + used, sizeof insert - used, ")");
    sqlite3_finalize(select);
    if (sqlite3_prepare_v2(db, insert, -1, &t.insert, NULL) != SQLITE_OK) die(insert);
    return t;
}

static int column(const Template *t, const char *name) {
    for (int i = 0; i < t->columns; i++)
        if (strcmp(t->names[i], name) == 0) return i;
    fprintf(stderr, "ceiling: %s has no column %s\n", t->table, name);
    exit(1);
}

/* A random UUID in the form the template stored its key (Fluent on SQLite: uppercase text). */
static void uuid(char out[37]) {
    unsigned char b[16];
    for (int i = 0; i < 16; i++) b[i] = (unsigned char)(rand() & 0xff);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    snprintf(out, 37, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", b[0], b[1], b[2], b[3], b[4],
             b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static void bind_template(Template *t) {
    sqlite3_reset(t->insert);
    for (int i = 0; i < t->columns; i++) sqlite3_bind_value(t->insert, i + 1, t->values[i]);
}

static void step(sqlite3_stmt *statement, const char *what) {
    if (sqlite3_step(statement) != SQLITE_DONE) die(what);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: ceiling DB_FILE COUNT [full|normal] [SECONDS]\n");
        return 2;
    }
    long count = atol(argv[2]);
    const char *synchronous = argc > 3 ? argv[3] : "full";
    double limit = argc > 4 ? atof(argv[4]) : 0;
    srand((unsigned)time(NULL));
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) die("open");
    exec("PRAGMA journal_mode=WAL");
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA synchronous=%s", synchronous);
    exec(pragma);
    exec("PRAGMA busy_timeout=5000");

    Template kase = load("cases", "");
    Template event = load("case_events", "WHERE seq = 1");
    Template audit = load("audit_log", "WHERE action = 'case.create'");
    int case_id = column(&kase, "id"), case_number = column(&kase, "number");
    int event_id = column(&event, "id"), event_case = column(&event, "case_id");
    int audit_seq = column(&audit, "seq"), audit_prev = column(&audit, "prev_hash"), audit_hash = column(&audit, "entry_hash"),
        audit_object = column(&audit, "object_id");
    sqlite3_stmt *head_read, *head_write;
    if (sqlite3_prepare_v2(db, "SELECT seq FROM audit_head WHERE id = 1", -1, &head_read, NULL) != SQLITE_OK) die("head");
    if (sqlite3_prepare_v2(db, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", -1, &head_write, NULL) != SQLITE_OK) die("head");
    sqlite3_stmt *begin, *commit;
    sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL);
    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL);

    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    char id[37], event_key[37], number[64], hash[80], previous[80];
    long n;
    for (n = 0; n < count; n++) {
        if (limit > 0 && n % 100 == 0) {
            clock_gettime(CLOCK_MONOTONIC, &end);
            if ((end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9 >= limit) break;
        }
        sqlite3_reset(begin);
        step(begin, "begin");
        uuid(id);
        uuid(event_key);
        snprintf(number, sizeof number, "CEIL-%ld-%s", n, id);

        bind_template(&kase);
        sqlite3_bind_text(kase.insert, case_id + 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(kase.insert, case_number + 1, number, -1, SQLITE_TRANSIENT);
        step(kase.insert, "insert case");

        bind_template(&event);
        sqlite3_bind_text(event.insert, event_id + 1, event_key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(event.insert, event_case + 1, id, -1, SQLITE_TRANSIENT);
        step(event.insert, "insert event");

        sqlite3_reset(head_read);
        if (sqlite3_step(head_read) != SQLITE_ROW) die("audit head");
        long long seq = sqlite3_column_int64(head_read, 0) + 1;
        snprintf(previous, sizeof previous, "ceiling-prev-%lld-%s", seq, id);
        snprintf(hash, sizeof hash, "ceiling-hash-%lld-%s", seq, id);
        bind_template(&audit);
        sqlite3_bind_int64(audit.insert, audit_seq + 1, seq);
        sqlite3_bind_text(audit.insert, audit_prev + 1, previous, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(audit.insert, audit_hash + 1, hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(audit.insert, audit_object + 1, id, -1, SQLITE_TRANSIENT);
        step(audit.insert, "insert audit entry");
        sqlite3_reset(head_write);
        sqlite3_bind_int64(head_write, 1, seq);
        sqlite3_bind_text(head_write, 2, hash, -1, SQLITE_TRANSIENT);
        step(head_write, "audit head");

        sqlite3_reset(commit);
        step(commit, "commit");
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    printf("%ld %.3f %.0f\n", n, seconds, n / seconds);
    sqlite3_finalize(kase.insert);
    sqlite3_finalize(event.insert);
    sqlite3_finalize(audit.insert);
    sqlite3_finalize(head_read);
    sqlite3_finalize(head_write);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    return 0;
}
