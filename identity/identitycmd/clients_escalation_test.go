package identitycmd_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/access/accesstest"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/accounts/accountcmd"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain"
	"github.com/camcloud/accounts/eventstore"
	"github.com/camcloud/accounts/eventstore/memory"
	"github.com/camcloud/accounts/identity/client"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/identitycmd"
)

// keysFixture is a platform root with a partner and its customer, on the memory store, with
// an authorizer that checks permissions only (the tree's scope is the HTTP tests' business).
type keysFixture struct {
	identity *identitycmd.Commands
	accounts *accountcmd.Commands
	store    *memory.Store
	partner  string
	customer string
}

func newKeysFixture(t *testing.T) *keysFixture {
	t.Helper()
	ctx := t.Context()
	store := memory.New()
	handler := command.NewHandler(store, eventstore.NewCodec(domain.Events()...))
	links, err := identitycmd.NewLinks(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	authz := access.NewAuthorizer(accesstest.Everywhere{})
	f := &keysFixture{identity: identitycmd.New(handler, identitycmd.Config{}, identitycmd.Deps{Links: links, Authz: authz}), store: store}
	f.accounts = accountcmd.New(handler, authz, f.identity)
	address := account.Address{Line1: "1 Main Street", City: "Lyon", Country: "FR"}
	if _, err := f.accounts.EnsurePlatformRoot(ctx, command.Service("test"), "Platform", address); err != nil {
		t.Fatal(err)
	}
	create := func(parent string, kind account.Kind, name string) string {
		created, err := f.accounts.Create(ctx, command.Service("test"), accountcmd.CreateAccount{ParentID: parent, Kind: kind, Name: name, Address: address})
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		return created.AccountID
	}
	f.partner = create(account.PlatformRootID, account.KindPartner, "Partner")
	f.customer = create(f.partner, account.KindCustomer, "Customer")
	return f
}

// userOf is a signed-in user of an account whose groups hold perms.
func userOf(accountID string, perms ...group.Permission) command.Origin {
	return command.By(access.Principal{Kind: access.User, ID: "user-of-" + accountID, AccountID: accountID, Permissions: perms}, "test")
}

func (f *keysFixture) events(t *testing.T) int {
	t.Helper()
	all, err := f.store.ReadAll(t.Context(), eventstore.Start, eventstore.Forwards, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

// TestKeyScopesNeedTheCreatorsPermissions: a key reads what its scopes allow, so its creator
// must hold the permission each scope stands for (billing.view for usage.read and
// billing.read), as a group's creator must hold what it grants; accounts.manage alone makes no
// key. A refusal names the scope and writes nothing.
func TestKeyScopesNeedTheCreatorsPermissions(t *testing.T) {
	f := newKeysFixture(t)
	manage := group.AccountsManage
	for _, tc := range []struct {
		name   string
		perms  []group.Permission
		scopes []string
		lacks  string // the scope the refusal names; "" when allowed
	}{
		{"accounts.manage alone, usage.read", []group.Permission{manage}, []string{client.UsageRead}, client.UsageRead},
		{"accounts.manage alone, billing.read", []group.Permission{manage}, []string{client.BillingRead}, client.BillingRead},
		{"accounts.manage alone, both", []group.Permission{manage}, []string{client.UsageRead, client.BillingRead}, client.UsageRead},
		{"billing.manage is not billing.view", []group.Permission{manage, group.BillingManage}, []string{client.BillingRead}, client.BillingRead},
		{"with billing.view, usage.read", []group.Permission{manage, group.BillingView}, []string{client.UsageRead}, ""},
		{"with billing.view, both", []group.Permission{manage, group.BillingView}, []string{client.UsageRead, client.BillingRead}, ""},
		{"every permission", group.All(), []string{client.BillingRead}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, in := range []string{f.partner, f.customer} { // on the user's own account and below it
				before := f.events(t)
				_, err := f.identity.CreateClient(t.Context(), userOf(f.partner, tc.perms...), in, "Billing job", tc.scopes, nil)
				if tc.lacks == "" {
					if err != nil {
						t.Fatalf("on %s: %v, want a key", in, err)
					}
					continue
				}
				if !errors.Is(err, access.ErrForbidden) || !strings.Contains(err.Error(), tc.lacks) {
					t.Fatalf("on %s: %v, want ErrForbidden naming %s", in, err, tc.lacks)
				}
				if n := f.events(t); n != before {
					t.Fatalf("on %s: the refusal wrote %d events", in, n-before)
				}
			}
		})
	}
}

// TestEveryScopeStandsForAPermission: a scope added to client.Known without a permission to
// check is never handed out unchecked: it is refused to a creator holding only accounts.manage
// (as forbidden, not as a bug), and allowed to one holding every permission.
func TestEveryScopeStandsForAPermission(t *testing.T) {
	f := newKeysFixture(t)
	for _, scope := range client.Known() {
		_, err := f.identity.CreateClient(t.Context(), userOf(f.partner, group.AccountsManage), f.customer, "Job "+scope, []string{scope}, nil)
		if !errors.Is(err, access.ErrForbidden) {
			t.Errorf("%s with accounts.manage alone: %v, want ErrForbidden", scope, err)
		}
		if _, err := f.identity.CreateClient(t.Context(), userOf(f.partner, group.All()...), f.customer, "Job "+scope, []string{scope}, nil); err != nil {
			t.Errorf("%s with every permission: %v", scope, err)
		}
	}
}

// TestRefusedKeysUnderConcurrencyWriteNothing: 20 creations at once by a user lacking the
// scope's permission are all refused, and the store is as it was.
func TestRefusedKeysUnderConcurrencyWriteNothing(t *testing.T) {
	f := newKeysFixture(t)
	before := f.events(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := f.identity.CreateClient(context.Background(), userOf(f.partner, group.AccountsManage), f.customer, "esc", []string{client.UsageRead, client.BillingRead}, nil)
			if !errors.Is(err, access.ErrForbidden) {
				t.Errorf("%v, want ErrForbidden", err)
			}
		})
	}
	wg.Wait()
	if n := f.events(t); n != before {
		t.Fatalf("20 refusals wrote %d events", n-before)
	}
}

// TestKeysOfClosedAccounts: no key is made on a closed account, nor on one below a closed
// partner (account.ErrClosed, 409), and the refusal writes nothing; a suspended account may be
// given one, since its keys are refused only until it is reactivated.
func TestKeysOfClosedAccounts(t *testing.T) {
	f := newKeysFixture(t)
	ctx := t.Context()
	admin := command.Service("test")
	other, err := f.accounts.Create(ctx, admin, accountcmd.CreateAccount{ParentID: f.partner, Kind: account.KindCustomer, Name: "Suspended",
		Address: account.Address{Line1: "2 Main Street", City: "Lyon", Country: "FR"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.accounts.Suspend(ctx, admin, accountcmd.ChangeStatus{AccountID: other.AccountID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.identity.CreateClient(ctx, admin, other.AccountID, "Job", []string{client.UsageRead}, nil); err != nil {
		t.Fatalf("a key of a suspended account: %v", err)
	}
	if _, err := f.accounts.Close(ctx, admin, accountcmd.ChangeStatus{AccountID: f.partner}); err != nil {
		t.Fatal(err)
	}
	for name, accountID := range map[string]string{"the closed partner": f.partner, "its customer": f.customer, "its suspended customer": other.AccountID} {
		before := f.events(t)
		_, err := f.identity.CreateClient(ctx, admin, accountID, "Job", []string{client.UsageRead}, nil)
		if !errors.Is(err, account.ErrClosed) {
			t.Errorf("%s: %v, want account.ErrClosed", name, err)
		}
		if n := f.events(t); n != before {
			t.Errorf("%s: the refusal wrote %d events", name, n-before)
		}
	}
}

// keys is a read model of one key, whose account has a status.
type keys struct {
	status account.Status
	digest string
}

func (k keys) ClientKey(context.Context, string) (string, string, []string, bool, account.Status, error) {
	return "acme", k.digest, []string{client.UsageRead}, true, k.status, nil
}

// TestClientKeysOfSuspendedAndClosedAccounts: the right key of a client whose account is
// suspended or closed is refused with 403 and the problem recorders of such an account get; a
// wrong secret stays 401 whatever the status, so a guesser learns nothing of the account.
func TestClientKeysOfSuspendedAndClosedAccounts(t *testing.T) {
	secret, digest, err := access.NewSecret(strings.NewReader(strings.Repeat("s", 64)))
	if err != nil {
		t.Fatal(err)
	}
	const id = "0d9d6f3c-5a55-4c58-9d0c-2f2f0e6f8b11"
	right, wrong := access.Token("client", id, secret), access.Token("client", id, strings.Repeat("x", len(secret)))
	for _, tc := range []struct {
		status account.Status
		token  string
		want   error
	}{
		{account.StatusActive, right, nil},
		{account.StatusSuspended, right, identitycmd.ErrClientAccountSuspended},
		{account.StatusClosed, right, identitycmd.ErrClientAccountClosed},
		{account.StatusSuspended, wrong, access.ErrUnauthenticated},
		{account.StatusClosed, wrong, access.ErrUnauthenticated},
	} {
		p, err := identitycmd.ClientAuthenticator{Keys: keys{status: tc.status, digest: digest}}.Authenticate(t.Context(), tc.token)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s account, right key %v: %v, want %v", tc.status, tc.token == right, err, tc.want)
		}
		if tc.want == nil && (p.Kind != access.ServiceClient || p.ID != id || p.AccountID != "acme") {
			t.Errorf("%s account: principal %+v", tc.status, p)
		}
	}
}
