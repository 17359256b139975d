-- Long polls wait on every replica: any transaction that changes a document or the
-- reference data (parts, locations, staff, settings, calendar) notifies the channel
-- `onsite_changes` when it commits, and each server process listens (db/postgres.rs).
-- A statement-level trigger with one payload: PostgreSQL delivers identical
-- notifications of one transaction once, however many rows or statements it wrote.
CREATE FUNCTION onsite_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('onsite_changes', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER documents_changed AFTER INSERT OR UPDATE OR DELETE ON documents
    FOR EACH STATEMENT EXECUTE FUNCTION onsite_notify_changes();
CREATE TRIGGER parts_changed AFTER INSERT OR UPDATE OR DELETE ON parts
    FOR EACH STATEMENT EXECUTE FUNCTION onsite_notify_changes();
CREATE TRIGGER locations_changed AFTER INSERT OR UPDATE OR DELETE ON locations
    FOR EACH STATEMENT EXECUTE FUNCTION onsite_notify_changes();
CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION onsite_notify_changes();
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE ON settings_versions
    FOR EACH STATEMENT EXECUTE FUNCTION onsite_notify_changes();
CREATE TRIGGER calendar_changed AFTER INSERT OR UPDATE OR DELETE ON company_calendar
    FOR EACH STATEMENT EXECUTE FUNCTION onsite_notify_changes();
