package accountview_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/camcloud/accounts/access"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/accounts/accountview"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/internal/pgtest"
	"github.com/camcloud/accounts/projections"
)

var address = account.Address{Line1: "1 Main St", City: "Springfield", Country: "US"}

type fixture struct {
	ctx         context.Context
	store       eventstore.Store
	codec       *eventstore.Codec
	pool        *pgxpool.Pool
	commands    *accountcmd.Commands
	pipeline    *projections.Pipeline
	queries     *accountview.Queries
	checkpoints *projections.Checkpoints
}

// newFixture projects into a fresh database; the read model is brought up to date by sync.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	store := memory.New()
	codec := eventstore.NewCodec(domain.Events()...)
	pool := pgtest.NewPool(t)
	f := &fixture{
		ctx:         ctx,
		store:       store,
		codec:       codec,
		pool:        pool,
		commands:    accountcmd.New(command.NewHandler(store, codec), access.NewAuthorizer(accountview.NewQueries(pool)), nil),
		pipeline:    projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, accountview.Projector{}),
		queries:     accountview.NewQueries(pool),
		checkpoints: projections.NewCheckpoints(pool),
	}
	if err := f.pipeline.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.commands.EnsurePlatformRoot(ctx, command.Service("test"), "Platform", address); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) create(t *testing.T, parent string, kind account.Kind, name string) accountcmd.Created {
	t.Helper()
	c, err := f.commands.Create(f.ctx, command.Service("test"), accountcmd.CreateAccount{ParentID: parent, Kind: kind, Name: name, Address: address})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) sync(t *testing.T) {
	t.Helper()
	if err := f.pipeline.CatchUp(f.ctx); err != nil {
		t.Fatal(err)
	}
}

func TestTree(t *testing.T) {
	f := newFixture(t)
	partner := f.create(t, account.PlatformRootID, account.KindPartner, "Partner")
	sub := f.create(t, partner.AccountID, account.KindPartner, "Sub-partner")
	customer := f.create(t, sub.AccountID, account.KindCustomer, "Customer")
	sibling := f.create(t, account.PlatformRootID, account.KindPartner, "Sibling")
	f.sync(t)

	got, err := f.queries.Get(f.ctx, customer.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ParentID != sub.AccountID || got.Kind != account.KindCustomer || got.Name != "Customer" || got.RegistrationCode != customer.RegistrationCode || got.Address != address {
		t.Errorf("customer = %+v", got)
	}

	subtree, err := f.queries.Subtree(f.ctx, partner.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range subtree {
		names = append(names, a.Name)
	}
	if want := []string{"Partner", "Sub-partner", "Customer"}; !reflect.DeepEqual(names, want) {
		t.Errorf("subtree of partner = %v, want %v", names, want)
	}

	within := []struct {
		ancestor, id string
		want         bool
	}{
		{partner.AccountID, customer.AccountID, true},
		{partner.AccountID, partner.AccountID, true},
		{account.PlatformRootID, customer.AccountID, true},
		{customer.AccountID, partner.AccountID, false}, // never upward
		{sibling.AccountID, customer.AccountID, false}, // never beside
		{partner.AccountID, "not-a-uuid", false},
	}
	for _, c := range within {
		if got, err := f.queries.IsWithin(f.ctx, c.ancestor, c.id); err != nil || got != c.want {
			t.Errorf("IsWithin(%s, %s) = %v, %v; want %v", c.ancestor, c.id, got, err, c.want)
		}
	}
}

func TestUpdatesAndRotation(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, account.PlatformRootID, account.KindCustomer, "Shop")
	name := "Bigger shop"
	moved := account.Address{Line1: "9 Elm St", City: "Capital City", Country: "US"}
	if _, err := f.commands.Update(f.ctx, command.Service("test"), accountcmd.UpdateAccount{AccountID: c.AccountID, Name: &name, Address: &moved}); err != nil {
		t.Fatal(err)
	}
	res, code, err := f.commands.RotateRegistrationCode(f.ctx, command.Service("test"), accountcmd.RotateRegistrationCode{AccountID: c.AccountID})
	if err != nil {
		t.Fatal(err)
	}
	f.sync(t)

	got, err := f.queries.Get(f.ctx, c.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != name || got.Address != moved || got.RegistrationCode != code || got.Revision != res.Revision || got.UpdatedAt.Before(got.CreatedAt) {
		t.Errorf("after update and rotation: %+v", got)
	}
	if byCode, err := f.queries.ByRegistrationCode(f.ctx, code); err != nil || byCode.ID != c.AccountID {
		t.Errorf("new code resolves to %+v, %v", byCode, err)
	}
	if _, err := f.queries.ByRegistrationCode(f.ctx, c.RegistrationCode); !errors.Is(err, accountview.ErrNotFound) {
		t.Errorf("old code: %v, want ErrNotFound (it must stop resolving)", err)
	}
}

func TestChildrenPages(t *testing.T) {
	f := newFixture(t)
	partner := f.create(t, account.PlatformRootID, account.KindPartner, "Partner")
	for i := range 7 {
		f.create(t, partner.AccountID, account.KindCustomer, fmt.Sprintf("Customer %02d", 6-i)) // out of name order
	}
	f.create(t, partner.AccountID, account.KindCustomer, "Customer 03") // same name, different ID
	want := []string{"Customer 00", "Customer 01", "Customer 02", "Customer 03", "Customer 03", "Customer 04", "Customer 05", "Customer 06"}
	f.sync(t)

	var got []string
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		page, err := f.queries.Children(f.ctx, partner.AccountID, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Accounts {
			if seen[a.ID] {
				t.Fatalf("%s listed twice", a.ID)
			}
			seen[a.ID] = true
			got = append(got, a.Name)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("children = %v, want %v", got, want)
	}
	if _, err := f.queries.Children(f.ctx, partner.AccountID, "forged", 3); !errors.Is(err, accountview.ErrInvalidCursor) {
		t.Errorf("forged cursor: %v, want ErrInvalidCursor", err)
	}
}

func TestRebuildGivesTheSameModel(t *testing.T) {
	f := newFixture(t)
	partner := f.create(t, account.PlatformRootID, account.KindPartner, "Partner")
	for i := range 5 {
		f.create(t, partner.AccountID, account.KindCustomer, fmt.Sprint("Customer ", i))
	}
	name := "Renamed partner"
	if _, err := f.commands.Update(f.ctx, command.Service("test"), accountcmd.UpdateAccount{AccountID: partner.AccountID, Name: &name}); err != nil {
		t.Fatal(err)
	}
	f.sync(t)
	before, err := f.queries.Subtree(f.ctx, account.PlatformRootID)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := f.pipeline.Rebuild(f.ctx, accountview.Name); err != nil {
		t.Fatal(err)
	}
	after, err := f.queries.Subtree(f.ctx, account.PlatformRootID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("rebuilt model differs:\nbefore %+v\nafter  %+v", before, after)
	}
	t.Logf("rebuilt %d accounts in %v", len(after), time.Since(start))
}

// TestRebuildBesideALiveServer: `accounts projections rebuild` beside a server that projects
// while clients create accounts and read them: no account a client saw goes missing, and at the
// end every account is there once.
func TestRebuildBesideALiveServer(t *testing.T) {
	f := newFixture(t)
	for i := range 150 {
		f.create(t, account.PlatformRootID, account.KindCustomer, fmt.Sprint("Customer ", i))
	}
	f.sync(t)
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- f.pipeline.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	stop := make(chan struct{})
	creatorDone := make(chan error, 1)
	go func() { // a client creating accounts all along, reading each back once projected
		for i := 0; ; i++ {
			select {
			case <-stop:
				creatorDone <- nil
				return
			default:
			}
			c, err := f.commands.Create(f.ctx, command.Service("test"), accountcmd.CreateAccount{ParentID: account.PlatformRootID, Kind: account.KindCustomer, Name: fmt.Sprint("Live ", i), Address: address})
			if err == nil {
				err = f.checkpoints.WaitFor(f.ctx, c.Position, 10*time.Second, accountview.Name)
			}
			if err == nil {
				_, err = f.queries.Get(f.ctx, c.AccountID)
			}
			if err != nil {
				creatorDone <- fmt.Errorf("account %d: %w", i, err)
				return
			}
		}
	}()
	readerDone := make(chan error, 1)
	go func() { // a client listing the tree all along: it never shrinks
		least := 0
		for {
			select {
			case <-stop:
				readerDone <- nil
				return
			default:
			}
			tree, err := f.queries.Subtree(f.ctx, account.PlatformRootID)
			if err != nil || len(tree) < least {
				readerDone <- fmt.Errorf("%d accounts listed after %d (%v)", len(tree), least, err)
				return
			}
			least = len(tree)
		}
	}()
	rebuilder := projections.NewPipeline(f.store, otherPool(t, f), f.codec, watermill.NopLogger{}, accountview.Projector{})
	if err := rebuilder.Rebuild(f.ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	if err := errors.Join(<-creatorDone, <-readerDone); err != nil {
		t.Fatal(err)
	}
	last, err := f.store.ReadAll(f.ctx, eventstore.EndOfAll, eventstore.Backwards, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.checkpoints.WaitFor(f.ctx, last[0].Position, 10*time.Second, accountview.Name); err != nil {
		t.Fatal(err)
	}
	created, err := f.store.ReadAll(f.ctx, eventstore.Start, eventstore.Forwards, 100000)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, e := range created {
		if e.Type == (account.Created{}).EventType() {
			want++
		}
	}
	tree, err := f.queries.Subtree(f.ctx, account.PlatformRootID)
	if err != nil || len(tree) != want {
		t.Fatalf("%d accounts listed (%v), want %d", len(tree), err, want)
	}
}

// otherPool opens another pool on the fixture's database: the connections of the process
// that runs the rebuild.
func otherPool(t *testing.T, f *fixture) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(f.ctx, f.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// BenchmarkRebuild measures rebuilding the accounts read model from 1,000 events (500 accounts
// and their code reservations) into new tables, a page of events per transaction, and swapping
// them in.
func BenchmarkRebuild(b *testing.B) {
	ctx := context.Background()
	store := memory.New()
	codec := eventstore.NewCodec(domain.Events()...)
	pool := pgtest.NewPool(b)
	pipeline := projections.NewPipeline(store, pool, codec, watermill.NopLogger{}, accountview.Projector{})
	if err := pipeline.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	cmds := accountcmd.New(command.NewHandler(store, codec), access.NewAuthorizer(accountview.NewQueries(pool)), nil)
	if _, err := cmds.EnsurePlatformRoot(ctx, command.Service("test"), "Platform", address); err != nil {
		b.Fatal(err)
	}
	for i := range 499 {
		if _, err := cmds.Create(ctx, command.Service("test"), accountcmd.CreateAccount{ParentID: account.PlatformRootID, Kind: account.KindCustomer, Name: fmt.Sprint("Customer ", i), Address: address}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if err := pipeline.Rebuild(ctx, accountview.Name); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1000, "events/op")
}
