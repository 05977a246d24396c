package group

import (
	"crypto/sha1"
	"encoding/hex"
)

// AdministratorName is the name of the built-in group; no other group may take it.
const AdministratorName = "Administrator"

// administratorNamespace is the UUID namespace of Administrator group ids. Never change it: users'
// group memberships hold the ids it yields.
var administratorNamespace = [16]byte{
	0xe9, 0x53, 0x3d, 0x48, 0x76, 0x1f, 0x44, 0xd3, 0x8d, 0x65, 0x74, 0xf2, 0x4a, 0x3b, 0x51, 0x76,
} // e9533d48-761f-44d3-8d65-74f24a3b5176

// AdministratorID returns the id of accountID's Administrator group: a name-based UUID (version 5,
// RFC 9562) of accountID in a namespace of this package. It is the same on every call and every
// machine, so the group needs no stream: every account has it implicitly, holding every
// permission, and users are put into it by this id.
func AdministratorID(accountID string) string {
	return uuidV5(administratorNamespace, accountID)
}

// Administrator returns the state of accountID's Administrator group, as if folded from a stream:
// the command layer uses it for that group's id instead of loading a stream, and the decisions on
// it answer ErrBuiltin.
func Administrator(accountID string) Group {
	return Group{
		ID:          AdministratorID(accountID),
		AccountID:   accountID,
		Name:        AdministratorName,
		Permissions: All(),
		Exists:      true,
	}
}

// Builtin reports whether g is its account's Administrator group.
func (g Group) Builtin() bool {
	return g.ID != "" && g.ID == AdministratorID(g.AccountID)
}

// uuidV5 returns the name-based UUID of name in namespace, in its canonical text form: the first
// 16 bytes of SHA-1(namespace || name) with the version and variant bits set.
func uuidV5(namespace [16]byte, name string) string {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // variant 10 (RFC 9562)

	var out [36]byte
	hex.Encode(out[0:8], u[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], u[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], u[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], u[8:10])
	out[23] = '-'
	hex.Encode(out[24:], u[10:])
	return string(out[:])
}
