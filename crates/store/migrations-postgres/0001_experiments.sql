-- Bandit experiments, their decisions and the outcomes reported for them, on PostgreSQL.
--
-- The tables of the SQLite schema (migrations/0001_experiments.sql) with PostgreSQL types. Every
-- table is keyed by tenant first: a row of another tenant is invisible to every query, so its id
-- answers "not found" exactly like a missing one. Timestamps are Unix epoch milliseconds (UTC),
-- as in SQLite, so both backends cut times to the same precision. Rewards and propensities are
-- IEEE doubles.

-- One sequence for the whole store: every experiment, decision and outcome (and every audience
-- row of 0002) takes its `seq` from it when the row is inserted. Unlike SQLite's store_clock,
-- this is not the commit order: two transactions in flight at once may commit in the other order
-- than they took their numbers. src/postgres/mod.rs says what order history replays in, and how
-- a stop still splits an experiment's history exactly.
CREATE SEQUENCE store_seq AS BIGINT;

-- The experiment's advisory lock, held until the calling transaction ends. Every write that gives
-- a decision or an outcome its seq holds it in share mode; the stop holds it exclusively, so that
-- it waits for those in flight, holds off new ones, and takes its stopped_seq in between. The key
-- is a class (so that other users of advisory locks in this database are unlikely to collide with
-- it) and the hash of (tenant, experiment_id): two experiments with the same hash only wait for
-- each other's stop, they share nothing else.
CREATE FUNCTION share_experiment_lock(tenant TEXT, experiment_id TEXT) RETURNS void
    LANGUAGE sql VOLATILE
    AS $$ SELECT pg_advisory_xact_lock_shared(hashtext('slotwise.experiment'),
                                               hashtext(tenant || '/' || experiment_id)) $$;

CREATE FUNCTION lock_experiment(tenant TEXT, experiment_id TEXT) RETURNS void
    LANGUAGE sql VOLATILE
    AS $$ SELECT pg_advisory_xact_lock(hashtext('slotwise.experiment'),
                                        hashtext(tenant || '/' || experiment_id)) $$;

CREATE TABLE experiments (
    tenant        TEXT   NOT NULL DEFAULT 'default',
    experiment_id TEXT   NOT NULL,
    seq           BIGINT NOT NULL DEFAULT nextval('store_seq') UNIQUE,
    name          TEXT   NOT NULL,
    kind          TEXT   NOT NULL,
    -- The experiment's configuration (arms, policy, reward model, priors, stopping rule, reward
    -- window). JSON, not JSONB: JSON keeps the text exactly as given, while JSONB rewrites numbers
    -- as decimals and turns -0.0 into 0, and priors must read back bit for bit.
    config        JSON   NOT NULL,
    status        TEXT   NOT NULL CHECK (status IN ('running', 'stopped')),
    created_at    BIGINT NOT NULL,
    stopped_at    BIGINT,
    -- The sequence value of the stop: history events with a greater seq arrived after it.
    stopped_seq   BIGINT,
    PRIMARY KEY (tenant, experiment_id),
    CHECK ((status = 'running') = (stopped_at IS NULL AND stopped_seq IS NULL))
);

CREATE INDEX experiments_by_tenant_seq ON experiments (tenant, seq);
CREATE INDEX experiments_running ON experiments (status, seq);

CREATE TABLE decisions (
    tenant        TEXT             NOT NULL DEFAULT 'default',
    decision_id   TEXT             NOT NULL,
    experiment_id TEXT             NOT NULL,
    seq           BIGINT           NOT NULL DEFAULT nextval('store_seq') UNIQUE,
    arm_index     BIGINT           NOT NULL CHECK (arm_index >= 0),
    propensity    DOUBLE PRECISION NOT NULL CHECK (propensity >= 0.0 AND propensity <= 1.0),
    -- The client's idempotency key: a retried ChooseArm finds the decision it already made, on
    -- whichever replica it lands. Decisions without one (NULL) never collide.
    request_id    TEXT,
    decided_at    BIGINT           NOT NULL,
    PRIMARY KEY (tenant, decision_id),
    UNIQUE (tenant, experiment_id, request_id),
    FOREIGN KEY (tenant, experiment_id) REFERENCES experiments (tenant, experiment_id)
);

CREATE INDEX decisions_by_experiment_seq ON decisions (tenant, experiment_id, seq);
CREATE INDEX decisions_by_experiment_decided_at ON decisions (tenant, experiment_id, decided_at);

-- One outcome per decision, never updated: the decision id is the idempotency key. `is_default`
-- marks the experiment's default reward, applied when no outcome was reported within the reward
-- window.
CREATE TABLE outcomes (
    tenant        TEXT             NOT NULL DEFAULT 'default',
    decision_id   TEXT             NOT NULL,
    experiment_id TEXT             NOT NULL,
    seq           BIGINT           NOT NULL DEFAULT nextval('store_seq') UNIQUE,
    reward        DOUBLE PRECISION NOT NULL,
    is_default    BOOLEAN          NOT NULL,
    reported_at   BIGINT           NOT NULL,
    PRIMARY KEY (tenant, decision_id),
    FOREIGN KEY (tenant, decision_id) REFERENCES decisions (tenant, decision_id)
);

CREATE INDEX outcomes_by_experiment_seq ON outcomes (tenant, experiment_id, seq);
