package eventstore

import "github.com/camcloud/accounts/domain/fault"

// ErrOutcomeUnknown is matched, together with ErrUnavailable, by an append the store neither
// confirmed nor refused: the server gave up waiting for its commit (EventStoreDB's "Commit phase
// timeout" during a leader election) and may still store it. Retrying the same append, with the
// same event IDs and expected revision, is safe: the store answers with the first result if it
// was stored. A new decision on a new request is not: the caller has to read again first (the
// stream's revision, an HTTP ETag, tells whether the change landed).
var ErrOutcomeUnknown = fault.New(fault.OutcomeUnknown, "event store did not confirm the append; it may or may not be stored")
