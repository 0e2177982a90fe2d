import Postgres

/// Tables ServiceKit's patterns keep in a service's own schema. A service
/// lists the ones it uses in its definition; the runner creates them before
/// the service's own migrations, recording them in `servicekit_migrations`
/// (their versions are ServiceKit's, independent of the service's).
public enum ServiceKitTable: Sendable, Hashable, CaseIterable {
    /// `outbox`: events written with the changes that cause them (``Outbox``).
    case outbox
    /// `processed_events`: ids of events already applied (``ProcessedEvents``).
    case processedEvents
    /// `idempotency_keys`: responses of creates, by client key (``IdempotencyKeys``).
    case idempotencyKeys

    /// The history table of these migrations.
    public static let historyTable = "servicekit_migrations"

    /// The migrations creating `tables`.
    public static func migrations(for tables: some Sequence<ServiceKitTable>) -> [PostgresMigration] {
        Set(tables).flatMap(\.migrations)
    }

    var migrations: [PostgresMigration] {
        switch self {
        case .outbox:
            [PostgresMigration(version: 1, name: "create_outbox", sql: """
                CREATE TABLE outbox (
                    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    event_id     uuid NOT NULL UNIQUE,
                    topic        text NOT NULL,
                    key          text NOT NULL,
                    payload      bytea NOT NULL,
                    created_at   timestamptz NOT NULL DEFAULT now(),
                    attempts     integer NOT NULL DEFAULT 0,
                    last_error   text,
                    delivered_at timestamptz
                );
                CREATE INDEX outbox_pending_idx ON outbox (topic, id) WHERE delivered_at IS NULL;
                CREATE INDEX outbox_pending_key_idx ON outbox (topic, key, id) WHERE delivered_at IS NULL;
                CREATE INDEX outbox_delivered_idx ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;
                """),
             // The trace context of the change that wrote the event (W3C
             // traceparent/tracestate lines), for the relay's delivery span.
             PostgresMigration(version: 4, name: "outbox_trace_context", sql: """
                ALTER TABLE outbox ADD COLUMN trace_context text;
                """)]
        case .processedEvents:
            [PostgresMigration(version: 2, name: "create_processed_events", sql: """
                CREATE TABLE processed_events (
                    event_id     text PRIMARY KEY CHECK (char_length(event_id) BETWEEN 1 AND 100),
                    processed_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE INDEX processed_events_age_idx ON processed_events (processed_at);
                """)]
        case .idempotencyKeys:
            [PostgresMigration(version: 3, name: "create_idempotency_keys", sql: """
                CREATE TABLE idempotency_keys (
                    scope        text NOT NULL,
                    key          text NOT NULL,
                    request_hash bytea NOT NULL,
                    response     bytea,
                    created_at   timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (scope, key)
                );
                CREATE INDEX idempotency_keys_age_idx ON idempotency_keys (created_at);
                """)]
        }
    }
}
