-- The notice listings (search, the home page's latest notices) are cached by each host for what they show to everyone of one
-- audience; this one row says whether a cached listing is still current. Every statement that changes what a listing shows
-- moves it, in the changing transaction (a reader sees the new version only with the new data). The row is re-created with a
-- random version when it is missing (after a TRUNCATE), so an emptied and refilled table never repeats a version a host holds.
CREATE TABLE notices.listing_version (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL
);

CREATE FUNCTION notices.listing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notices.listing_version (id, version) VALUES (true, (random() * 9e15)::bigint)
    ON CONFLICT (id) DO UPDATE SET version = notices.listing_version.version + 1;
    RETURN NULL;
END
$$;

INSERT INTO notices.listing_version (id, version) VALUES (true, (random() * 9e15)::bigint);

CREATE TRIGGER notice_listing_changed
    AFTER INSERT OR DELETE OR UPDATE OF title, target_region_prefix, publish_at, expires_at, pinned, withdrawn_at, author_name, search_text
    ON notices.notice FOR EACH STATEMENT EXECUTE FUNCTION notices.listing_changed();
CREATE TRIGGER notice_listing_truncated AFTER TRUNCATE ON notices.notice FOR EACH STATEMENT EXECUTE FUNCTION notices.listing_changed();
CREATE TRIGGER attachment_listing_changed AFTER INSERT OR DELETE ON notices.notice_attachment FOR EACH STATEMENT EXECUTE FUNCTION notices.listing_changed();

-- A scheduled notice appears, an expiring one disappears, without a write: a cached listing is kept only until the next such instant.
CREATE INDEX notice_publish_at ON notices.notice (publish_at);
CREATE INDEX notice_expires_at ON notices.notice (expires_at) WHERE expires_at IS NOT NULL;
