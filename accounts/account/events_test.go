package account_test

import (
	"testing"

	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/domain/domaintest"
)

func TestEventsListsEveryEventType(t *testing.T) {
	want := []string{
		"account.created.v1",
		"account.renamed.v1",
		"account.address-changed.v1",
		"account.registration-code-rotated.v1",
		"registration-code.reserved.v1",
		"account.suspended.v1",
		"account.reactivated.v1",
		"account.closed.v1",
	}
	domaintest.ListsEventTypes(t, account.Events(), want)
}

// The recorded JSON is a contract with projections and auditors: its field names must not drift.
func TestEventsEncodeAsSnakeCaseJSON(t *testing.T) {
	tests := []struct {
		event account.Event
		want  string
	}{
		{
			event: account.Created{
				AccountID: "acme", ParentID: "northwind", Kind: account.KindCustomer, Name: "Acme Storage",
				Address: account.Address{
					Line1: "Hafenstrasse 12", Line2: "Halle 3", City: "Hamburg", PostalCode: "20457", Region: "HH", Country: "DE",
				},
				RegistrationCode: "EFGH-JKMN-PQRS",
			},
			want: `{"account_id":"acme","parent_id":"northwind","kind":"customer","name":"Acme Storage",` +
				`"address":{"line1":"Hafenstrasse 12","line2":"Halle 3","city":"Hamburg","postal_code":"20457","region":"HH","country":"DE"},` +
				`"registration_code":"EFGH-JKMN-PQRS"}`,
		},
		{
			event: account.Renamed{AccountID: "acme", Name: "Acme West"},
			want:  `{"account_id":"acme","name":"Acme West"}`,
		},
		{
			event: account.AddressChanged{AccountID: "acme", Address: account.Address{Line1: "1 Main St", City: "Springfield", Country: "US"}},
			want:  `{"account_id":"acme","address":{"line1":"1 Main St","line2":"","city":"Springfield","postal_code":"","region":"","country":"US"}}`,
		},
		{
			event: account.RegistrationCodeRotated{AccountID: "acme", Previous: "EFGH-JKMN-PQRS", Code: "WXYZ-2345-6789"},
			want:  `{"account_id":"acme","previous":"EFGH-JKMN-PQRS","code":"WXYZ-2345-6789"}`,
		},
		{
			event: account.RegistrationCodeReserved{Code: "WXYZ-2345-6789", AccountID: "acme"},
			want:  `{"code":"WXYZ-2345-6789","account_id":"acme"}`,
		},
		{
			event: account.Suspended{AccountID: "acme", Reason: "unpaid invoices"},
			want:  `{"account_id":"acme","reason":"unpaid invoices"}`,
		},
		{
			event: account.Reactivated{AccountID: "acme"},
			want:  `{"account_id":"acme"}`,
		},
		{
			event: account.Closed{AccountID: "acme", Reason: "contract ended"},
			want:  `{"account_id":"acme","reason":"contract ended"}`,
		},
	}
	for _, tt := range tests {
		domaintest.EncodesAs(t, tt.event, tt.want)
	}
}
