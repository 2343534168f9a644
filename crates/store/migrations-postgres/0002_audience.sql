-- What slotwise knows of an account's audience, on PostgreSQL: the activity heatmap it states
-- (versioned), how its posts did, and the exploratory slots the planner placed for it.
--
-- The tables of the SQLite schema (migrations/0002_audience.sql) with PostgreSQL types. Keys start
-- with the tenant; timestamps are Unix epoch milliseconds (UTC); counts are non-negative; `seq`
-- comes from the store_seq sequence of 0001.

-- The account's advisory lock, held until the calling transaction ends: a put takes it before it
-- computes the next version, so puts of one account take turns (see lock_experiment in 0001 for
-- how the key is made).
CREATE FUNCTION lock_account(tenant TEXT, account_id TEXT) RETURNS void
    LANGUAGE sql VOLATILE
    AS $$ SELECT pg_advisory_xact_lock(hashtext('slotwise.account'),
                                        hashtext(tenant || '/' || account_id)) $$;

-- Every PutAudienceActivity is a new version; the latest is the one with the highest version. The
-- primary key is what keeps two replicas from both writing the same version.
CREATE TABLE audience_activity (
    tenant          TEXT               NOT NULL,
    account_id      TEXT               NOT NULL,
    version         BIGINT             NOT NULL CHECK (version >= 1),
    seq             BIGINT             NOT NULL DEFAULT nextval('store_seq') UNIQUE,
    time_zone       TEXT               NOT NULL,
    -- 168 numbers, local Monday 00:00 first. An array of doubles reads back bit for bit.
    hourly_activity DOUBLE PRECISION[] NOT NULL CHECK (array_ndims(hourly_activity) = 1
                                                       AND cardinality(hourly_activity) = 168),
    metric          TEXT               NOT NULL CHECK (metric IN ('engagements', 'views')),
    updated_at      BIGINT             NOT NULL,
    PRIMARY KEY (tenant, account_id, version)
);

-- One row per post, keyed by the posting tool's post id: the idempotency key of
-- ReportPostPerformance. Rows are never updated.
CREATE TABLE post_performance (
    tenant                TEXT             NOT NULL,
    account_id            TEXT             NOT NULL,
    post_id               TEXT             NOT NULL,
    seq                   BIGINT           NOT NULL DEFAULT nextval('store_seq') UNIQUE,
    posted_at             BIGINT           NOT NULL,
    pillar_id             TEXT             NOT NULL,
    format_id             TEXT             NOT NULL,
    views                 BIGINT           NOT NULL CHECK (views >= 0),
    likes                 BIGINT           NOT NULL CHECK (likes >= 0),
    comments              BIGINT           NOT NULL CHECK (comments >= 0),
    shares                BIGINT           NOT NULL CHECK (shares >= 0),
    saves                 BIGINT           NOT NULL CHECK (saves >= 0),
    follows               BIGINT           NOT NULL CHECK (follows >= 0),
    average_watch_seconds DOUBLE PRECISION CHECK (average_watch_seconds IS NULL
                                                  OR average_watch_seconds >= 0),
    -- The slot decision or bandit decision the post was made for, when there was one. It may name
    -- a row of either table, so no foreign key: the store checks it before inserting (decisions
    -- are never deleted, so the check cannot go stale).
    decision_id           TEXT,
    reported_at           BIGINT           NOT NULL,
    PRIMARY KEY (tenant, account_id, post_id)
);

CREATE INDEX post_performance_by_account_posted_at
    ON post_performance (tenant, account_id, posted_at);

-- A slot the planner filled by a posterior draw rather than by the best estimate, so that the
-- post's performance, reported with this decision id, can be traced to the exploration.
CREATE TABLE slot_decisions (
    tenant         TEXT             NOT NULL,
    decision_id    TEXT             NOT NULL,
    account_id     TEXT             NOT NULL,
    seq            BIGINT           NOT NULL DEFAULT nextval('store_seq') UNIQUE,
    slot_start     BIGINT           NOT NULL,
    hour_of_week   INTEGER          NOT NULL CHECK (hour_of_week BETWEEN 0 AND 167),
    -- The learned value of the hour, and the draw the slot was placed by.
    expected_value DOUBLE PRECISION NOT NULL,
    drawn_value    DOUBLE PRECISION NOT NULL,
    decided_at     BIGINT           NOT NULL,
    PRIMARY KEY (tenant, decision_id)
);
