package esdb

import (
	"fmt"
	"strings"
)

// normalizeScheme rewrites the schemes KurrentDB clients accept (kurrentdb://, kurrent://, kdb://
// and their +discover forms) to the esdb:// ones this client knows; the protocol is the same.
func normalizeScheme(connectionString string) (string, error) {
	scheme, rest, ok := strings.Cut(connectionString, "://")
	if !ok {
		return "", fmt.Errorf("esdb: connection string: want esdb://host:port or kurrentdb://host:port")
	}
	base, discover := strings.CutSuffix(strings.ToLower(scheme), "+discover")
	switch base {
	case "esdb", "kurrentdb", "kurrent", "kdb":
	default:
		return "", fmt.Errorf("esdb: connection string scheme %q: want esdb:// or kurrentdb://", scheme)
	}
	if discover {
		return "esdb+discover://" + rest, nil
	}
	return "esdb://" + rest, nil
}
