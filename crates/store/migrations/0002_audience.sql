-- What slotwise knows of an account's audience: the activity heatmap it states (versioned), how
-- its posts did, and the exploratory slots the planner placed for it.
--
-- Keys start with the tenant, as in 0001. Timestamps are Unix epoch milliseconds (UTC); counts
-- are non-negative integers.

-- Every PutAudienceActivity is a new version; the latest is the one with the highest version.
CREATE TABLE audience_activity (
    tenant          TEXT    NOT NULL,
    account_id      TEXT    NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    seq             INTEGER NOT NULL UNIQUE,
    time_zone       TEXT    NOT NULL,
    -- 168 numbers, local Monday 00:00 first, as a JSON array.
    hourly_activity TEXT    NOT NULL CHECK (json_valid(hourly_activity)
                                            AND json_array_length(hourly_activity) = 168),
    metric          TEXT    NOT NULL CHECK (metric IN ('engagements', 'views')),
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant, account_id, version)
);

-- One row per post, keyed by the posting tool's post id: the idempotency key of
-- ReportPostPerformance.
CREATE TABLE post_performance (
    tenant                TEXT    NOT NULL,
    account_id            TEXT    NOT NULL,
    post_id               TEXT    NOT NULL,
    seq                   INTEGER NOT NULL UNIQUE,
    posted_at             INTEGER NOT NULL,
    pillar_id             TEXT    NOT NULL,
    format_id             TEXT    NOT NULL,
    views                 INTEGER NOT NULL CHECK (views >= 0),
    likes                 INTEGER NOT NULL CHECK (likes >= 0),
    comments              INTEGER NOT NULL CHECK (comments >= 0),
    shares                INTEGER NOT NULL CHECK (shares >= 0),
    saves                 INTEGER NOT NULL CHECK (saves >= 0),
    follows               INTEGER NOT NULL CHECK (follows >= 0),
    average_watch_seconds REAL CHECK (average_watch_seconds IS NULL OR average_watch_seconds >= 0),
    -- The slot decision or bandit decision the post was made for, when there was one.
    decision_id           TEXT,
    reported_at           INTEGER NOT NULL,
    PRIMARY KEY (tenant, account_id, post_id)
);

CREATE INDEX post_performance_by_account_posted_at
    ON post_performance (tenant, account_id, posted_at);

-- A slot the planner filled by a posterior draw rather than by the best estimate, so that the
-- post's performance, reported with this decision id, can be traced to the exploration.
CREATE TABLE slot_decisions (
    tenant         TEXT    NOT NULL,
    decision_id    TEXT    NOT NULL,
    account_id     TEXT    NOT NULL,
    seq            INTEGER NOT NULL UNIQUE,
    slot_start     INTEGER NOT NULL,
    hour_of_week   INTEGER NOT NULL CHECK (hour_of_week BETWEEN 0 AND 167),
    -- The learned value of the hour, and the draw the slot was placed by.
    expected_value REAL    NOT NULL,
    drawn_value    REAL    NOT NULL,
    decided_at     INTEGER NOT NULL,
    PRIMARY KEY (tenant, decision_id)
);
