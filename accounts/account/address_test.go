package account_test

import (
	"testing"

	"github.com/camcloud/accounts/accounts/account"
)

func TestAddressPatched(t *testing.T) {
	current := account.Address{Line1: "1 Main St", Line2: "Suite 4", City: "Springfield", PostalCode: "12345", Region: "IL", Country: "US"}
	s := func(v string) *string { return &v }
	tests := []struct {
		name  string
		patch account.AddressPatch
		want  account.Address
	}{
		{name: "empty patch: unchanged", want: current},
		{name: "only the city", patch: account.AddressPatch{City: s("Shelbyville")},
			want: account.Address{Line1: "1 Main St", Line2: "Suite 4", City: "Shelbyville", PostalCode: "12345", Region: "IL", Country: "US"}},
		{name: "clear the optional fields", patch: account.AddressPatch{Line2: s(""), Region: s("")},
			want: account.Address{Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"}},
		{name: "every field", patch: account.AddressPatch{Line1: s("a"), Line2: s("b"), City: s("c"), PostalCode: s("d"), Region: s("e"), Country: s("f")},
			want: account.Address{Line1: "a", Line2: "b", City: "c", PostalCode: "d", Region: "e", Country: "f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := current.Patched(tt.patch); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
