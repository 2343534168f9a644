-- Bandit experiments, their decisions and the outcomes reported for them.
--
-- Every table is keyed by tenant first: a row of another tenant is invisible to every query, so
-- its id answers "not found" exactly like a missing one. Timestamps are Unix epoch milliseconds
-- (UTC). Rewards and propensities are IEEE doubles.

-- One counter for the whole store. Every experiment, decision and outcome takes the next value
-- as its `seq` inside the transaction that writes it, so `seq` is the commit order: experiments
-- page by it, and decisions and outcomes of one experiment replay in exactly that order.
CREATE TABLE store_clock (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
);

INSERT INTO store_clock (id, last_seq) VALUES (1, 0);

CREATE TABLE experiments (
    tenant        TEXT    NOT NULL DEFAULT 'default',
    experiment_id TEXT    NOT NULL,
    seq           INTEGER NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    -- The experiment's configuration (arms, policy, reward model, priors, stopping rule,
    -- reward window) as JSON. The store keeps it as it was given and never interprets it.
    config        TEXT    NOT NULL CHECK (json_valid(config)),
    status        TEXT    NOT NULL CHECK (status IN ('running', 'stopped')),
    created_at    INTEGER NOT NULL,
    stopped_at    INTEGER,
    -- The clock value of the stop: history events with a greater seq arrived after it.
    stopped_seq   INTEGER,
    PRIMARY KEY (tenant, experiment_id),
    CHECK ((status = 'running') = (stopped_at IS NULL AND stopped_seq IS NULL))
);

CREATE INDEX experiments_by_tenant_seq ON experiments (tenant, seq);
CREATE INDEX experiments_running ON experiments (status, seq);

CREATE TABLE decisions (
    tenant        TEXT    NOT NULL DEFAULT 'default',
    decision_id   TEXT    NOT NULL,
    experiment_id TEXT    NOT NULL,
    seq           INTEGER NOT NULL UNIQUE,
    arm_index     INTEGER NOT NULL CHECK (arm_index >= 0),
    propensity    REAL    NOT NULL CHECK (propensity >= 0.0 AND propensity <= 1.0),
    -- The client's idempotency key: a retried ChooseArm finds the decision it already made.
    request_id    TEXT,
    decided_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant, decision_id),
    UNIQUE (tenant, experiment_id, request_id),
    FOREIGN KEY (tenant, experiment_id) REFERENCES experiments (tenant, experiment_id)
);

CREATE INDEX decisions_by_experiment_seq ON decisions (tenant, experiment_id, seq);
CREATE INDEX decisions_by_experiment_decided_at ON decisions (tenant, experiment_id, decided_at);

-- One outcome per decision. `is_default` marks the experiment's default reward, applied when no
-- outcome was reported within the reward window.
CREATE TABLE outcomes (
    tenant        TEXT    NOT NULL DEFAULT 'default',
    decision_id   TEXT    NOT NULL,
    experiment_id TEXT    NOT NULL,
    seq           INTEGER NOT NULL UNIQUE,
    reward        REAL    NOT NULL,
    is_default    INTEGER NOT NULL CHECK (is_default IN (0, 1)),
    reported_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant, decision_id),
    FOREIGN KEY (tenant, decision_id) REFERENCES decisions (tenant, decision_id)
);

CREATE INDEX outcomes_by_experiment_seq ON outcomes (tenant, experiment_id, seq);
