package projections_test

import (
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identityview"
	"github.com/camcloud/accounts/identity/reservation"
	"github.com/camcloud/accounts/identity/user"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/projections"
)

// benchEvents is how many events BenchmarkCatchUp projects; benchPage is the page size of the
// raw reference, the same as the pipeline's.
const (
	benchEvents = 100_000
	benchPage   = 500
)

// BenchmarkCatchUp measures, in one run on the same PostgreSQL, catching up with a log of 100k
// events (a tenth each of accounts created, renamed and moved, users invited, accepted and
// changing preferences, groups created and joined, and code and username reservations that
// neither model handles) against the raw reference: reading the events table by position in
// pages of 500 and upserting a row per event in batches of 500, a transaction per page. It
// reports each as events/s and as a ratio to the raw figure:
//
//   - rebuild-accounts, rebuild-identity: `accounts projections rebuild` of one model (built in
//     a schema of its own and swapped in);
//   - live: a pipeline started on empty read models with the whole log behind it (the live lag a
//     server catches up), both models fed by one read of the log.
//
// Run it alone, once (about 40 s, most of it appending the log):
//
//	go test -run '^$' -bench CatchUp -benchtime 1x ./projections/
func BenchmarkCatchUp(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	if err := postgres.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	store := postgres.New(pool)
	appendLog(b, ctx, store, benchEvents)
	codec := eventstore.NewCodec(domain.Events()...)

	for b.Loop() {
		// The raw reference runs before and after the models, and counts as the mean of both,
		// so that a machine busy with other work in one part of the run weighs on both sides.
		rawBefore := timed(b, func() error { return rawCatchUp(ctx, pool) })
		pipeline := projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, accountview.Projector{}, identityview.Projector{})
		if err := pipeline.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		live := timed(b, func() error { return pipeline.CatchUp(ctx) })
		rebuildAccounts := timed(b, func() error { return pipeline.Rebuild(ctx, accountview.Name) })
		rebuildIdentity := timed(b, func() error { return pipeline.Rebuild(ctx, identityview.Name) })
		raw := (rawBefore + timed(b, func() error { return rawCatchUp(ctx, pool) })) / 2

		rate := func(d time.Duration) float64 { return benchEvents / d.Seconds() }
		b.ReportMetric(rate(raw), "raw-events/s")
		for _, f := range []struct {
			name string
			took time.Duration
		}{{"rebuild-accounts", rebuildAccounts}, {"rebuild-identity", rebuildIdentity}, {"live", live}} {
			b.ReportMetric(rate(f.took), f.name+"-events/s")
			b.ReportMetric(rate(f.took)/rate(raw), f.name+"/raw")
		}
		checkModels(b, ctx, pool)
	}
}

func timed(b *testing.B, f func() error) time.Duration {
	b.Helper()
	start := time.Now()
	if err := f(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// appendLog appends n events, ten per account: its creation and code reservation, its first
// user's invitation, username reservation, acceptance and preferences, a group and its first
// member, a rename and an address change. Accounts form a tree ten wide.
func appendLog(b *testing.B, ctx context.Context, store eventstore.Store, n int) {
	b.Helper()
	address := account.Address{Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"}
	data := func(e eventstore.Event) eventstore.EventData {
		raw, err := json.Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		return eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: raw,
			Metadata: eventstore.Metadata{Actor: "bench", OccurredAt: time.Now().UTC()}}
	}
	var ids []string
	var writes []eventstore.StreamWrite
	flush := func() {
		if _, err := store.AppendMulti(ctx, writes...); err != nil {
			b.Fatal(err)
		}
		writes = writes[:0]
	}
	for i := range n / 10 {
		id, userID, groupID := uuid.NewString(), uuid.NewString(), uuid.NewString()
		parent := ""
		if i > 0 {
			parent = ids[(i-1)/10]
		}
		ids = append(ids, id)
		code := account.RegistrationCode(fmt.Sprintf("C%07d", i))
		username := fmt.Sprint("user", i)
		writes = append(writes,
			eventstore.StreamWrite{Stream: "account-" + id, Expected: eventstore.NoStream, Events: []eventstore.EventData{
				data(account.Created{AccountID: id, ParentID: parent, Kind: account.KindCustomer, Name: fmt.Sprint("Account ", i), Address: address, RegistrationCode: code}),
				data(account.Renamed{AccountID: id, Name: fmt.Sprint("Renamed ", i)}),
				data(account.AddressChanged{AccountID: id, Address: address}),
			}},
			eventstore.StreamWrite{Stream: "regcode-" + string(code), Expected: eventstore.NoStream, Events: []eventstore.EventData{
				data(account.RegistrationCodeReserved{Code: code, AccountID: id}),
			}},
			eventstore.StreamWrite{Stream: "username-" + username, Expected: eventstore.NoStream, Events: []eventstore.EventData{
				data(reservation.Reserved{Kind: "username", Value: username, OwnerID: userID}),
			}},
			eventstore.StreamWrite{Stream: "group-" + groupID, Expected: eventstore.NoStream, Events: []eventstore.EventData{
				data(group.Created{GroupID: groupID, AccountID: id, Name: "Operators", Permissions: []group.Permission{group.UsersManage}}),
				data(group.MemberJoined{GroupID: groupID, AccountID: id, UserID: userID}),
			}},
			eventstore.StreamWrite{Stream: "user-" + userID, Expected: eventstore.NoStream, Events: []eventstore.EventData{
				data(user.Invited{UserID: userID, AccountID: id, Username: username, Email: username + "@example.com",
					GroupIDs: []string{groupID}, Nonce: "n", ExpiresAt: time.Now().Add(time.Hour)}),
				data(user.InvitationAccepted{UserID: userID, PasswordHash: "x", TermsVersion: "1", AgeConfirmed: true}),
				data(user.PreferencesChanged{UserID: userID, TimeFormat: user.TimeFormat12h, TimeZone: "Europe/Paris"}),
			}},
		)
		if len(writes) >= 250 { // 50 accounts, 500 events an append
			flush()
		}
	}
	if len(writes) > 0 {
		flush()
	}
}

// rawCatchUp is the reference: the events table read by position, a page of 500 at a time, and
// a row per event upserted in one statement per page, in a transaction per page.
func rawCatchUp(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := pool.Exec(ctx, `DROP TABLE IF EXISTS raw_catchup;
		CREATE TABLE raw_catchup (id uuid PRIMARY KEY, stream text NOT NULL, revision bigint NOT NULL, type text NOT NULL,
			data jsonb NOT NULL, recorded_at timestamptz NOT NULL)`); err != nil {
		return err
	}
	query, err := rawReadQuery(ctx, pool)
	if err != nil {
		return err
	}
	var commit, prepare int64
	for {
		rows, err := pool.Query(ctx, query, commit, prepare, benchPage)
		if err != nil {
			return err
		}
		var (
			ids                 []uuid.UUID
			streams, types, raw []string
			revisions           []int64
			recorded            []time.Time
			id                  uuid.UUID
			stream, typ, data   string
			meta                []byte
			revision            int64
			at                  time.Time
		)
		_, err = pgx.ForEachRow(rows, []any{&commit, &prepare, &id, &stream, &revision, &typ, &data, &meta, &at}, func() error {
			ids, streams, revisions, types, raw, recorded = append(ids, id), append(streams, stream), append(revisions, revision),
				append(types, typ), append(raw, data), append(recorded, at)
			return nil
		})
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			// Asynchronous commit, as the read models' transactions.
			if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit TO OFF`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO raw_catchup (id, stream, revision, type, data, recorded_at)
				SELECT id, stream, revision, type, data::jsonb, recorded_at FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[])
					AS r(id, stream, revision, type, data, recorded_at)
				ON CONFLICT (id) DO UPDATE SET stream = excluded.stream, revision = excluded.revision, type = excluded.type,
					data = excluded.data, recorded_at = excluded.recorded_at`, ids, streams, revisions, types, raw, recorded)
			return err
		})
		if err != nil {
			return err
		}
	}
}

// rawReadQuery reads the events table by position whichever of its two layouts it has: one
// position column, or a commit and a prepare position.
func rawReadQuery(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var twoPart bool
	err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'events' AND column_name = 'commit_position')`).Scan(&twoPart)
	if err != nil {
		return "", err
	}
	if twoPart {
		return `SELECT commit_position, prepare_position, id, stream, revision, type, data::text, metadata, recorded_at FROM events
			WHERE (commit_position, prepare_position) > ($1, $2) ORDER BY commit_position, prepare_position LIMIT $3`, nil
	}
	return `SELECT position, position, id, stream, revision, type, data::text, metadata, recorded_at FROM events
		WHERE position > $1 AND $2::bigint IS NOT NULL ORDER BY position LIMIT $3`, nil
}

// checkModels fails the benchmark unless both models hold every account and user.
func checkModels(b *testing.B, ctx context.Context, pool *pgxpool.Pool) {
	b.Helper()
	var nAccounts, nTree, nUsers, nGroups int
	err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM accounts WHERE name LIKE 'Renamed %'), (SELECT count(*) FROM account_tree),
		(SELECT count(*) FROM identity_users WHERE time_zone = 'Europe/Paris'), (SELECT count(*) FROM identity_groups)`).Scan(&nAccounts, &nTree, &nUsers, &nGroups)
	if err != nil {
		b.Fatal(err)
	}
	if want := benchEvents / 10; nAccounts != want || nUsers != want || nGroups != 2*want || nTree <= want {
		b.Fatalf("%d renamed accounts, %d tree rows, %d users, %d groups; want %d, more, %d, %d", nAccounts, nTree, nUsers, nGroups, want, want, 2*want)
	}
}
