# This file is part of zt-inventory.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Database triggers that make a table append-only, and their check.

No ORM: used by the models' ``__register__`` (creation) and by ``ztinv
verify`` (check).  The check compares each trigger with what is created
here, not only its name: a trigger replaced by a lookalike of the same
name that lets rows change (no-op body, a WHEN condition, fired only on
replicas, another function) is reported like a dropped one.

PostgreSQL: ``<table>_no_change`` (BEFORE UPDATE OR DELETE, FOR EACH ROW)
and ``<table>_no_truncate`` (BEFORE TRUNCATE), both calling the function
``<table>_append_only()`` that raises.  SQLite: ``<table>_no_update`` and
``<table>_no_delete`` (BEFORE UPDATE, BEFORE DELETE) that raise; SQLite has
no TRUNCATE."""

PG_BODY = """
BEGIN
    RAISE EXCEPTION '%s is append-only: %% refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
"""
# pg_trigger.tgtype bits: ROW 1, BEFORE 2, INSERT 4, DELETE 8, UPDATE 16,
# TRUNCATE 32.
PG_TRIGGERS = [
    ('no_change', 'BEFORE UPDATE OR DELETE', 'ROW', 1 | 2 | 8 | 16),
    ('no_truncate', 'BEFORE TRUNCATE', 'STATEMENT', 2 | 32),
    ]
SQLITE_TRIGGERS = [
    ('no_update', 'BEFORE UPDATE'),
    ('no_delete', 'BEFORE DELETE'),
    ]
PG_CHECK = ("SELECT t.tgname, t.tgtype, t.tgenabled, t.tgqual IS NULL, "
    "p.proname, p.prosrc FROM pg_trigger AS t "
    "JOIN pg_proc AS p ON p.oid = t.tgfoid "
    "WHERE t.tgrelid = '%s'::regclass AND NOT t.tgisinternal")
SQLITE_CHECK = ("SELECT name, sql FROM sqlite_master "
    "WHERE type = 'trigger' AND tbl_name = '%s'")


def sqlite_trigger(table, suffix, when):
    "Return the CREATE TRIGGER statement (str) SQLite stores for a trigger."
    return ('CREATE TRIGGER "%s_%s" %s ON "%s" '
        "BEGIN SELECT RAISE(ABORT, '%s is append-only'); END"
        % (table, suffix, when, table, table))


def create(cursor, backend_name, table):
    """(Re)create the append-only triggers of ``table`` (str) with the
    DB-API ``cursor`` on ``backend_name`` ('postgresql' or 'sqlite'; others
    get none).  Existing ones are replaced, so a module update repairs a
    trigger that was tampered with."""
    if backend_name == 'postgresql':
        cursor.execute('CREATE OR REPLACE FUNCTION "%s_append_only"() '
            'RETURNS trigger AS $$%s$$ LANGUAGE plpgsql'
            % (table, PG_BODY % table))
        for suffix, when, level, _ in PG_TRIGGERS:
            cursor.execute('DROP TRIGGER IF EXISTS "%s_%s" ON "%s"'
                % (table, suffix, table))
            cursor.execute('CREATE TRIGGER "%s_%s" %s ON "%s" '
                'FOR EACH %s EXECUTE FUNCTION "%s_append_only"()'
                % (table, suffix, when, table, level, table))
    elif backend_name == 'sqlite':
        for suffix, when in SQLITE_TRIGGERS:
            cursor.execute('DROP TRIGGER IF EXISTS "%s_%s"' % (table, suffix))
            cursor.execute(sqlite_trigger(table, suffix, when))


def check(cursor, backend_name, table, append_only=True):
    """Return the problems (sorted list of str) of the triggers of
    ``table``: each append-only trigger (if ``append_only``) that is
    missing, disabled or not what :func:`create` makes ('<name> is
    missing, disabled or changed'), and each other trigger, which could
    drop or alter rows on their way in ('<name> is unexpected'); an empty
    list when all hold (or the backend has no triggers)."""
    if backend_name == 'postgresql':
        cursor.execute(PG_CHECK % table)
        found = {name: (tgtype, enabled, unconditional, proname, source)
            for name, tgtype, enabled, unconditional, proname, source
            in cursor.fetchall()}
        expected = {'%s_%s' % (table, t[0]): t[3] for t in PG_TRIGGERS} \
            if append_only else {}
        broken = [n for n, tgtype in expected.items()
            if not _pg_holds(found.get(n), tgtype, table)]
    elif backend_name == 'sqlite':
        cursor.execute(SQLITE_CHECK % table)
        found = dict(cursor.fetchall())
        expected = {'%s_%s' % (table, suffix):
                sqlite_trigger(table, suffix, when)
            for suffix, when in SQLITE_TRIGGERS} if append_only else {}
        broken = [n for n, sql in expected.items() if found.get(n) != sql]
    else:
        return []
    return sorted(['%s is missing, disabled or changed' % n for n in broken]
        + ['%s is unexpected' % n for n in found if n not in expected])


def _pg_holds(row, tgtype, table):
    """Tell whether the pg_trigger ``row`` (type, enabled, unconditional,
    function name, function source) is the trigger :func:`create` makes
    with the type bits ``tgtype``, enabled ('O' origin or 'A' always)."""
    if row is None:
        return False
    found_type, enabled, unconditional, proname, source = row
    return (found_type == tgtype and enabled in {'O', 'A'} and unconditional
        and proname == '%s_append_only' % table
        and (source or '').strip() == (PG_BODY % table).strip())
