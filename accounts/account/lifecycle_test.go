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
			name:  "an active account is suspended, with its reason",
			given: history(customerCreated),
			when:  suspend("unpaid invoices"),
			then:  history(acmeSuspended),
		},
		{
			name:  "the reason is optional",
			given: history(customerCreated),
			when:  suspend(""),
			then:  history(account.Suspended{AccountID: "acme"}),
		},
		{
			name:  "the reason is stored trimmed",
			given: history(customerCreated),
			when:  suspend("  unpaid invoices\n"),
			then:  history(acmeSuspended),
		},
		{
			name:  "a reason of 500 characters is accepted",
			given: history(customerCreated),
			when:  suspend(strings.Repeat("é", 500)),
			then:  history(account.Suspended{AccountID: "acme", Reason: strings.Repeat("é", 500)}),
		},
		{
			name:  "suspending a suspended account changes nothing",
			given: history(customerCreated, acmeSuspended),
			when:  suspend("another reason"),
		},
		{
			name:  "a reactivated account is suspended again",
			given: history(customerCreated, acmeSuspended, acmeReactivated),
			when:  suspend("unpaid invoices"),
			then:  history(acmeSuspended),
		},
		{
			name:    "a reason of 501 characters is refused",
			given:   history(customerCreated),
			when:    suspend(strings.Repeat("x", 501)),
			thenErr: refused("reason"),
		},
		{
			name:    "a reason with a control character is refused",
			given:   history(customerCreated),
			when:    suspend("unpaid\x1b invoices"),
			thenErr: refused("reason"),
		},
		{
			name:    "a closed account is not suspended",
			given:   history(customerCreated, acmeClosed),
			when:    suspend("unpaid invoices"),
			thenErr: account.ErrClosed,
		},
		{
			name:    "the state is checked before the content: a closed account wins over a bad reason",
			given:   history(customerCreated, acmeClosed),
			when:    suspend(strings.Repeat("x", 501)),
			thenErr: account.ErrClosed,
		},
		{
			name:    "the platform root is never suspended",
			given:   history(platformCreated),
			when:    suspend(""),
			thenErr: account.ErrPlatformRoot,
		},
		{
			name:    "an account that does not exist cannot be suspended",
			when:    suspend(""),
			thenErr: account.ErrNotFound,
		},
	})
}

func TestReactivate(t *testing.T) {
	check(t, []rule{
		{
			name:  "a suspended account is reactivated",
			given: history(customerCreated, acmeSuspended),
			when:  reactivate(),
			then:  history(acmeReactivated),
		},
		{
			name:  "reactivating an active account changes nothing",
			given: history(customerCreated),
			when:  reactivate(),
		},
		{
			name:  "reactivating a reactivated account changes nothing",
			given: history(customerCreated, acmeSuspended, acmeReactivated),
			when:  reactivate(),
		},
		{
			name:    "a closed account is never reactivated",
			given:   history(customerCreated, acmeClosed),
			when:    reactivate(),
			thenErr: account.ErrClosed,
		},
		{
			name:    "a suspended then closed account is never reactivated",
			given:   history(customerCreated, acmeSuspended, acmeClosed),
			when:    reactivate(),
			thenErr: account.ErrClosed,
		},
		{
			name:    "an account that does not exist cannot be reactivated",
			when:    reactivate(),
			thenErr: account.ErrNotFound,
		},
	})
}

func TestClose(t *testing.T) {
	check(t, []rule{
		{
			name:  "an active account is closed, with its reason",
			given: history(customerCreated),
			when:  closeAccount("contract ended"),
			then:  history(acmeClosed),
		},
		{
			name:  "a suspended account is closed",
			given: history(customerCreated, acmeSuspended),
			when:  closeAccount(""),
			then:  history(account.Closed{AccountID: "acme"}),
		},
		{
			name:  "closing a closed account changes nothing",
			given: history(customerCreated, acmeClosed),
			when:  closeAccount("again"),
		},
		{
			name:    "a reason of 501 characters is refused",
			given:   history(customerCreated),
			when:    closeAccount(strings.Repeat("x", 501)),
			thenErr: refused("reason"),
		},
		{
			name:    "a reason of two lines is refused",
			given:   history(customerCreated),
			when:    closeAccount("contract\nended"),
			thenErr: refused("reason"),
		},
		{
			name:    "the platform root is never closed",
			given:   history(platformCreated),
			when:    closeAccount(""),
			thenErr: account.ErrPlatformRoot,
		},
		{
			name:    "an account that does not exist cannot be closed",
			when:    closeAccount(""),
			thenErr: account.ErrNotFound,
		},
	})
}

// A closed account is terminal: nothing about it changes any more.
func TestClosedAccountRefusesChanges(t *testing.T) {
	closedPartner := account.Fold(partnerCreated, account.Closed{AccountID: "northwind"})
	check(t, []rule{
		{
			name:    "a closed account is not renamed",
			given:   history(customerCreated, acmeClosed),
			when:    rename("Acme West"),
			thenErr: account.ErrClosed,
		},
		{
			name:    "a closed account does not move",
			given:   history(customerCreated, acmeClosed),
			when:    changeAddress(headOffice),
			thenErr: account.ErrClosed,
		},
		{
			name:    "a closed account's code is not rotated",
			given:   history(customerCreated, acmeClosed),
			when:    rotate("WXYZ-2345-6789"),
			thenErr: account.ErrClosed,
		},
		{
			name:    "a closed partner holds no new accounts",
			when:    createChild(closedPartner, newCustomer()),
			thenErr: account.ErrParentClosed,
		},
		{
			name: "a suspended partner still creates accounts, which are suspended with it",
			when: createChild(account.Fold(partnerCreated, account.Suspended{AccountID: "northwind"}), newCustomer()),
			then: history(customerCreated),
		},
		{
			name:  "a suspended account is still renamed",
			given: history(customerCreated, acmeSuspended),
			when:  rename("Acme West"),
			then:  history(account.Renamed{AccountID: "acme", Name: "Acme West"}),
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
