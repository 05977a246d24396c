package account_test

import (
	"strings"
	"testing"

	"github.com/camcloud/accounts/accounts/account"
)

func suspend(reason string) func(account.Account) ([]account.Event, error) {
	return func(a account.Account) ([]account.Event, error) { return a.Suspend(reason) }
}

func reactivate() func(account.Account) ([]account.Event, error) {
	return func(a account.Account) ([]account.Event, error) { return a.Reactivate() }
}

func closeAccount(reason string) func(account.Account) ([]account.Event, error) {
	return func(a account.Account) ([]account.Event, error) { return a.Close(reason) }
}

var (
	acmeSuspended   = account.Suspended{AccountID: "acme", Reason: "unpaid invoices"}
	acmeReactivated = account.Reactivated{AccountID: "acme"}
	acmeClosed      = account.Closed{AccountID: "acme", Reason: "contract ended"}
)

func TestSuspend(t *testing.T) {
	check(t, []rule{
		{
			Name:  "an active account is suspended, with its reason",
			Given: history(customerCreated),
			When:  suspend("unpaid invoices"),
			Then:  history(acmeSuspended),
		},
		{
			Name:  "the reason is optional",
			Given: history(customerCreated),
			When:  suspend(""),
			Then:  history(account.Suspended{AccountID: "acme"}),
		},
		{
			Name:  "the reason is stored trimmed",
			Given: history(customerCreated),
			When:  suspend("  unpaid invoices\n"),
			Then:  history(acmeSuspended),
		},
		{
			Name:  "a reason of 500 characters is accepted",
			Given: history(customerCreated),
			When:  suspend(strings.Repeat("é", 500)),
			Then:  history(account.Suspended{AccountID: "acme", Reason: strings.Repeat("é", 500)}),
		},
		{
			Name:  "suspending a suspended account changes nothing",
			Given: history(customerCreated, acmeSuspended),
			When:  suspend("another reason"),
		},
		{
			Name:  "a reactivated account is suspended again",
			Given: history(customerCreated, acmeSuspended, acmeReactivated),
			When:  suspend("unpaid invoices"),
			Then:  history(acmeSuspended),
		},
		{
			Name:    "a reason of 501 characters is refused",
			Given:   history(customerCreated),
			When:    suspend(strings.Repeat("x", 501)),
			ThenErr: refused("reason"),
		},
		{
			Name:    "a reason with a control character is refused",
			Given:   history(customerCreated),
			When:    suspend("unpaid\x1b invoices"),
			ThenErr: refused("reason"),
		},
		{
			Name:    "a closed account is not suspended",
			Given:   history(customerCreated, acmeClosed),
			When:    suspend("unpaid invoices"),
			ThenErr: account.ErrClosed,
		},
		{
			Name:    "the state is checked before the content: a closed account wins over a bad reason",
			Given:   history(customerCreated, acmeClosed),
			When:    suspend(strings.Repeat("x", 501)),
			ThenErr: account.ErrClosed,
		},
		{
			Name:    "the platform root is never suspended",
			Given:   history(platformCreated),
			When:    suspend(""),
			ThenErr: account.ErrPlatformRoot,
		},
		{
			Name:    "an account that does not exist cannot be suspended",
			When:    suspend(""),
			ThenErr: account.ErrNotFound,
		},
	})
}

func TestReactivate(t *testing.T) {
	check(t, []rule{
		{
			Name:  "a suspended account is reactivated",
			Given: history(customerCreated, acmeSuspended),
			When:  reactivate(),
			Then:  history(acmeReactivated),
		},
		{
			Name:  "reactivating an active account changes nothing",
			Given: history(customerCreated),
			When:  reactivate(),
		},
		{
			Name:  "reactivating a reactivated account changes nothing",
			Given: history(customerCreated, acmeSuspended, acmeReactivated),
			When:  reactivate(),
		},
		{
			Name:    "a closed account is never reactivated",
			Given:   history(customerCreated, acmeClosed),
			When:    reactivate(),
			ThenErr: account.ErrClosed,
		},
		{
			Name:    "a suspended then closed account is never reactivated",
			Given:   history(customerCreated, acmeSuspended, acmeClosed),
			When:    reactivate(),
			ThenErr: account.ErrClosed,
		},
		{
			Name:    "an account that does not exist cannot be reactivated",
			When:    reactivate(),
			ThenErr: account.ErrNotFound,
		},
	})
}

func TestClose(t *testing.T) {
	check(t, []rule{
		{
			Name:  "an active account is closed, with its reason",
			Given: history(customerCreated),
			When:  closeAccount("contract ended"),
			Then:  history(acmeClosed),
		},
		{
			Name:  "a suspended account is closed",
			Given: history(customerCreated, acmeSuspended),
			When:  closeAccount(""),
			Then:  history(account.Closed{AccountID: "acme"}),
		},
		{
			Name:  "closing a closed account changes nothing",
			Given: history(customerCreated, acmeClosed),
			When:  closeAccount("again"),
		},
		{
			Name:    "a reason of 501 characters is refused",
			Given:   history(customerCreated),
			When:    closeAccount(strings.Repeat("x", 501)),
			ThenErr: refused("reason"),
		},
		{
			Name:    "a reason of two lines is refused",
			Given:   history(customerCreated),
			When:    closeAccount("contract\nended"),
			ThenErr: refused("reason"),
		},
		{
			Name:    "the platform root is never closed",
			Given:   history(platformCreated),
			When:    closeAccount(""),
			ThenErr: account.ErrPlatformRoot,
		},
		{
			Name:    "an account that does not exist cannot be closed",
			When:    closeAccount(""),
			ThenErr: account.ErrNotFound,
		},
	})
}

// A closed account is terminal: nothing about it changes any more.
func TestClosedAccountRefusesChanges(t *testing.T) {
	closedPartner := account.Fold(partnerCreated, account.Closed{AccountID: "northwind"})
	check(t, []rule{
		{
			Name:    "a closed account is not renamed",
			Given:   history(customerCreated, acmeClosed),
			When:    rename("Acme West"),
			ThenErr: account.ErrClosed,
		},
		{
			Name:    "a closed account does not move",
			Given:   history(customerCreated, acmeClosed),
			When:    changeAddress(headOffice),
			ThenErr: account.ErrClosed,
		},
		{
			Name:    "a closed account's code is not rotated",
			Given:   history(customerCreated, acmeClosed),
			When:    rotate("WXYZ-2345-6789"),
			ThenErr: account.ErrClosed,
		},
		{
			Name:    "a closed partner holds no new accounts",
			When:    createChild(closedPartner, newCustomer()),
			ThenErr: account.ErrParentClosed,
		},
		{
			Name: "a suspended partner still creates accounts, which are suspended with it",
			When: createChild(account.Fold(partnerCreated, account.Suspended{AccountID: "northwind"}), newCustomer()),
			Then: history(customerCreated),
		},
		{
			Name:  "a suspended account is still renamed",
			Given: history(customerCreated, acmeSuspended),
			When:  rename("Acme West"),
			Then:  history(account.Renamed{AccountID: "acme", Name: "Acme West"}),
		},
	})
}

func TestFoldLifecycle(t *testing.T) {
	tests := []struct {
		name   string
		events []account.Event
		want   account.Status
	}{
		{"created active", history(customerCreated), account.StatusActive},
		{"suspended", history(customerCreated, acmeSuspended), account.StatusSuspended},
		{"reactivated", history(customerCreated, acmeSuspended, acmeReactivated), account.StatusActive},
		{"closed", history(customerCreated, acmeSuspended, acmeClosed), account.StatusClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := account.Fold(tt.events...).Status; got != tt.want {
				t.Errorf("Status = %q, want %q", got, tt.want)
			}
		})
	}
}
