package account

import (
	"golang.org/x/text/language"
	"strings"

	"github.com/camcloud/accounts/domain/field"
)

// Address is a postal address, as printed on invoices. Line2 and Region are optional.
type Address struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	Region     string `json:"region"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2, upper case
}

// AddressPatch changes some fields of an address, as a JSON merge patch (RFC 7396) of it does:
// a nil field stays as it is, a field set to "" is cleared. Clearing a required field is
// refused when the patched address is validated, like any other missing value.
type AddressPatch struct {
	Line1, Line2, City, PostalCode, Region, Country *string
}

// Patched returns a with the patch's fields applied. It does not validate: the decision that
// takes the result (ChangeAddress) does.
func (a Address) Patched(p AddressPatch) Address {
	for _, f := range []struct {
		dst *string
		src *string
	}{
		{&a.Line1, p.Line1}, {&a.Line2, p.Line2}, {&a.City, p.City},
		{&a.PostalCode, p.PostalCode}, {&a.Region, p.Region}, {&a.Country, p.Country},
	} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return a
}

// maxPostalCodeRunes is generous: the longest postal codes in use have about ten characters.
const maxPostalCodeRunes = 20

// normalized returns a with every field trimmed (see field.Text) and the country upper-cased,
// or a ValidationError for the first field in error. Line1, City and Country are required; the
// postal code is not, because many countries have none. The country must be an ISO 3166-1
// alpha-2 code of a country, as the CLDR data of golang.org/x/text knows them (kept up to date
// with the library, not by hand): "ZZ" or "EU" are no countries.
func (a Address) normalized() (Address, error) {
	fields := []struct {
		value    *string
		name     string
		required bool
		limit    int
	}{
		{&a.Line1, "line1", true, maxTextRunes},
		{&a.Line2, "line2", false, maxTextRunes},
		{&a.City, "city", true, maxTextRunes},
		{&a.PostalCode, "postal_code", false, maxPostalCodeRunes},
		{&a.Region, "region", false, maxTextRunes},
		{&a.Country, "country", true, maxTextRunes},
	}
	for _, f := range fields {
		v, err := field.Text("address."+f.name, *f.value, f.required, f.limit)
		if err != nil {
			return Address{}, err
		}
		*f.value = v
	}
	if !isASCIILetters(a.Country, 2) {
		return Address{}, invalid("address.country", `must be an ISO 3166-1 alpha-2 code such as "US"`)
	}
	a.Country = strings.ToUpper(a.Country)
	if region, err := language.ParseRegion(a.Country); err != nil || !region.IsCountry() {
		return Address{}, invalid("address.country", `must be the ISO 3166-1 alpha-2 code of a country, such as "US"; `+a.Country+" is none")
	}
	return a, nil
}

// isASCIILetters reports whether s is exactly n letters a-z or A-Z.
func isASCIILetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// Normalized returns the address as it is stored (trimmed, NFC, the country upper-case), or a
// field error naming "address.<field>": for other aggregates that hold addresses (billing
// details).
func (a Address) Normalized() (Address, error) { return a.normalized() }
