// Package domain gathers what all aggregates share; each aggregate lives in its own subpackage
// (account, ...) as pure Go with no I/O.
package domain

import (
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/billing/details"
	"github.com/camcloud/accounts/billing/invoice"
	"github.com/camcloud/accounts/billing/plan"
	"github.com/camcloud/accounts/billing/usage"
	"github.com/camcloud/accounts/identity/client"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/reservation"
	"github.com/camcloud/accounts/identity/user"
	"github.com/camcloud/accounts/recorders/itemtree"
	"github.com/camcloud/accounts/recorders/recorder"
	"github.com/camcloud/accounts/support/grant"
)

// Event is implemented by every domain event.
type Event interface {
	EventType() string
}

// Events returns a zero value of every event type of every aggregate, for the event codec.
func Events() []Event {
	var out []Event
	for _, e := range account.Events() {
		out = append(out, e)
	}
	for _, e := range user.Events() {
		out = append(out, e)
	}
	for _, e := range group.Events() {
		out = append(out, e)
	}
	for _, e := range reservation.Events() {
		out = append(out, e)
	}
	for _, e := range recorder.Events() {
		out = append(out, e)
	}
	for _, e := range itemtree.Events() {
		out = append(out, e)
	}
	for _, e := range usage.Events() {
		out = append(out, e)
	}
	for _, e := range plan.Events() {
		out = append(out, e)
	}
	for _, e := range invoice.Events() {
		out = append(out, e)
	}
	for _, e := range details.Events() {
		out = append(out, e)
	}
	for _, e := range client.Events() {
		out = append(out, e)
	}
	for _, e := range grant.Events() {
		out = append(out, e)
	}
	return out
}
