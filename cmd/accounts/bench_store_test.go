package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/postgres"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/identity/user"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/projections"
)

// benchPool opens a pool of maxConns connections on a fresh database of the test server.
func benchPool(ctx context.Context, b *testing.B, maxConns int) (*pgxpool.Pool, string) {
	b.Helper()
	url := pgtest.NewDatabase(b)
	pool, err := newPool(ctx, url, maxConns, 5*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return pool, url
}

// eventRow is what both the raw reference and the store write: an event-sized row.
var benchMetadata = eventstore.Metadata{Actor: uuid.NewString(), AccountID: uuid.NewString(), CorrelationID: uuid.NewString(), CausationID: uuid.NewString()}

func benchEvent() eventstore.EventData {
	data, _ := json.Marshal(account.Renamed{AccountID: benchMetadata.AccountID, Name: "Northwind Security Partners"})
	m := benchMetadata
	m.OccurredAt = time.Now().UTC()
	return eventstore.EventData{ID: uuid.New(), Type: account.Renamed{}.EventType(), Data: data, Metadata: m}
}

// storeFigures: one-row INSERT+COMMIT on 1 and 16 connections, beside the store's one-event
// appends at 1 and 16 writers, each writer on a stream of its own at the revision it expects.
func storeFigures(ctx context.Context, b *testing.B, s benchSettings, rep *report) {
	pool, _ := benchPool(ctx, b, 24)
	if _, err := pool.Exec(ctx, `CREATE TABLE raw_events (id uuid PRIMARY KEY, stream text NOT NULL, revision bigint NOT NULL,
		type text NOT NULL, data json NOT NULL, metadata jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		b.Fatal(err)
	}
	if err := postgres.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	store := postgres.New(pool)
	raw := func(ctx context.Context, worker, i int) error {
		e := benchEvent()
		meta, err := json.Marshal(e.Metadata)
		if err != nil {
			return err
		}
		// One statement outside a transaction block: the INSERT and its COMMIT in one round trip.
		_, err = pool.Exec(ctx, `INSERT INTO raw_events (id, stream, revision, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6)`,
			e.ID, "raw-"+strconv.Itoa(worker), i, e.Type, e.Data, meta)
		return err
	}
	appender := func(run int) func(ctx context.Context, worker, i int) error {
		return func(ctx context.Context, worker, i int) error {
			stream := fmt.Sprintf("bench%d-%d", run, worker)
			expected := eventstore.NoStream
			if i > 0 {
				expected = eventstore.Exact(uint64(i - 1))
			}
			_, err := store.Append(ctx, stream, expected, benchEvent())
			return err
		}
	}
	var raw1, raw16, app1, app16 measurement
	runs := 0
	for round := range s.rounds {
		progress("store appends, round %d", round+1)
		raw1.run(ctx, 1, s.phase, raw)
		runs++
		app1.run(ctx, 1, s.phase, appender(runs))
		raw16.run(ctx, 16, s.phase, raw)
		runs++
		app16.run(ctx, 16, s.phase, appender(runs))
	}
	r1 := rep.add(&figure{name: "raw INSERT+COMMIT, 1 connection", latencies: true})
	raw1.into(r1)
	a1 := rep.add(&figure{name: "store append, 1 writer", reference: r1, target: ">= 0.5", latencies: true})
	app1.into(a1)
	r16 := rep.add(&figure{name: "raw INSERT+COMMIT, 16 connections", latencies: true})
	raw16.into(r16)
	rep.raw16 = r16
	a16 := rep.add(&figure{name: "store append, 16 writers", reference: r16, target: ">= 0.5", latencies: true})
	app16.into(a16)
}

// catchUpFigures: a log of s.events account and user events, read from position zero by the raw
// reference (a page of 500 by position, upserted in one transaction with its checkpoint) and by
// the pipeline with one read model at a time (a server starting on an empty read model).
func catchUpFigures(ctx context.Context, b *testing.B, s benchSettings, rep *report) {
	pool, _ := benchPool(ctx, b, 8)
	if err := postgres.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	store := postgres.New(pool)
	codec := eventstore.NewCodec(domain.Events()...)
	progress("catch-up: writing a log of %d events", s.events)
	t0 := time.Now()
	if err := writeLog(ctx, store, codec, s.events); err != nil {
		b.Fatalf("write the log: %v", err)
	}
	setup := time.Since(t0)

	progress("catch-up: raw reference")
	var ref measurement
	ref.once(s.events, func() error { return rawCatchUp(ctx, pool) })
	rf := rep.add(&figure{name: "raw read by position + upsert, pages of 500"})
	ref.into(rf)
	rf.note = strings.TrimPrefix(rf.note+"; ", "; ") + fmt.Sprintf("writing the log of %d events took %s", s.events, setup.Round(time.Millisecond))

	for _, proj := range []projections.Projector{accountview.Projector{}, identityview.Projector{}} {
		progress("catch-up: %s", proj.Name())
		var m measurement
		m.once(s.events, func() error {
			p := projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, proj)
			if err := p.Migrate(ctx); err != nil {
				return err
			}
			// A projector that keeps failing on an event waits there for good; so does not this.
			ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
			defer cancel()
			return p.CatchUp(ctx)
		})
		f := rep.add(&figure{name: "catch-up, " + proj.Name() + " read model", reference: rf, target: ">= 0.5"})
		m.into(f)
	}
}

// writeLog appends n events: accounts under one partner, each created, its first user invited,
// then renamed; a tenth of the events are the identity model's, a fifth the accounts model's
// creations. Appends carry 50 streams each, so that writing is quick whatever the store.
func writeLog(ctx context.Context, store eventstore.Store, codec *eventstore.Codec, n int) error {
	encode := func(e eventstore.Event, accountID string) (eventstore.EventData, error) {
		typ, data, err := codec.Encode(e)
		m := benchMetadata
		m.AccountID = accountID
		return eventstore.EventData{ID: uuid.New(), Type: typ, Data: data, Metadata: m}, err
	}
	addr := account.Address{Line1: "1 Main St", City: "Springfield", Country: "US"}
	rootID := uuid.NewString()
	root, err := encode(account.Created{AccountID: rootID, Kind: account.KindPartner, Name: "Root", Address: addr, RegistrationCode: "AAAA-AAAA"}, rootID)
	if err != nil {
		return err
	}
	if _, err := store.Append(ctx, "account-"+rootID, eventstore.NoStream, root); err != nil {
		return err
	}
	const perAccount = 10
	written := 1
	for written < n {
		var writes []eventstore.StreamWrite
		for range 50 {
			if written >= n {
				break
			}
			id := uuid.NewString()
			events := []eventstore.Event{account.Created{AccountID: id, ParentID: rootID, Kind: account.KindCustomer, Name: "Customer " + id[:8], Address: addr,
				RegistrationCode: account.RegistrationCode(fmt.Sprintf("B%03d-%04d", written/10000%1000, written%10000))}}
			for i := 1; i < perAccount; i++ {
				events = append(events, account.Renamed{AccountID: id, Name: fmt.Sprintf("Customer %s %d", id[:8], i)})
			}
			userID := uuid.NewString()
			events = events[:min(len(events), n-written)]
			w := eventstore.StreamWrite{Stream: "account-" + id, Expected: eventstore.NoStream}
			for _, e := range events {
				d, err := encode(e, id)
				if err != nil {
					return err
				}
				w.Events = append(w.Events, d)
			}
			writes = append(writes, w)
			written += len(w.Events)
			if written < n {
				d, err := encode(user.Invited{UserID: userID, AccountID: id, Username: "u" + userID[:12], Email: userID[:12] + "@example.test",
					GroupIDs: []string{}, Nonce: "n", ExpiresAt: time.Now().Add(time.Hour)}, id)
				if err != nil {
					return err
				}
				writes = append(writes, eventstore.StreamWrite{Stream: "user-" + userID, Expected: eventstore.NoStream, Events: []eventstore.EventData{d}})
				written++
			}
		}
		if _, err := store.AppendMulti(ctx, writes...); err != nil {
			return err
		}
	}
	return nil
}

// rawCatchUp is the reference for a catch-up: pages of 500 events read by position, each page's
// accounts upserted (one statement per event, sent as one batch) with a checkpoint, in one
// transaction. It reads the PostgreSQL store's table directly.
func rawCatchUp(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := pool.Exec(ctx, `CREATE TABLE raw_accounts (id uuid PRIMARY KEY, name text NOT NULL, revision bigint NOT NULL);
		CREATE TABLE raw_checkpoint (name text PRIMARY KEY, position bigint NOT NULL);
		INSERT INTO raw_checkpoint VALUES ('raw', 0)`); err != nil {
		return err
	}
	// The store's positions are (commit_position, prepare_position) since issue 8, a single
	// position before: the reference reads whichever the table has, so before and after compare.
	var twoPart bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_name = 'events' AND column_name = 'commit_position')`).Scan(&twoPart); err != nil {
		return err
	}
	query := `SELECT $1::bigint, position, revision, data FROM events WHERE position > $2 ORDER BY position LIMIT 500`
	if twoPart {
		query = `SELECT commit_position, prepare_position, revision, data FROM events
			WHERE (commit_position, prepare_position) > ($1, $2) ORDER BY commit_position, prepare_position LIMIT 500`
	}
	var lastCommit, last int64
	for {
		n := 0
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, query, lastCommit, last)
			if err != nil {
				return err
			}
			var (
				batch    pgx.Batch
				commit   int64
				position int64
				revision int64
				data     []byte
			)
			_, err = pgx.ForEachRow(rows, []any{&commit, &position, &revision, &data}, func() error {
				var e struct {
					AccountID string `json:"account_id"`
					Name      string `json:"name"`
				}
				if err := json.Unmarshal(data, &e); err != nil {
					return err
				}
				if e.Name != "" {
					batch.Queue(`INSERT INTO raw_accounts (id, name, revision) VALUES ($1, $2, $3)
						ON CONFLICT (id) DO UPDATE SET name = excluded.name, revision = excluded.revision`, e.AccountID, e.Name, revision)
				}
				lastCommit, last, n = commit, position, n+1
				return nil
			})
			if err != nil {
				return err
			}
			batch.Queue(`UPDATE raw_checkpoint SET position = $1 WHERE name = 'raw'`, last)
			return tx.SendBatch(ctx, &batch).Close()
		})
		if err != nil {
			return fmt.Errorf("raw catch-up: %w", err)
		}
		if n < 500 {
			return nil
		}
	}
}
