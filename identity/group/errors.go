package group

import (
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
)

// The outcomes a caller acts on; test for them with errors.Is. Each says its kind (domain/fault),
// which ports map to their answers, so each one names a distinct answer rather than a distinct cause.
var (
	// ErrInvalid is matched by every *ValidationError: the command is malformed.
	ErrInvalid = field.ErrInvalid
	// ErrNotFound: the group's stream is empty, or the group was deleted.
	ErrNotFound = fault.New(fault.NotFound, "group not found")
	// ErrAlreadyExists: the group to create already has a stream (deleted groups included: ids
	// are never reused).
	ErrAlreadyExists = fault.New(fault.State, "group already exists").With(fault.Problem{Explain: true})
	// ErrHasMembers: a group is deleted only once nobody is a member, so that no user is left
	// pointing at a group that no longer exists.
	ErrHasMembers = fault.New(fault.State, "the group still has members").With(fault.Problem{
		Type: "group-has-members", Title: "Group has members", Detail: "move the group's members to other groups before deleting it",
	})
	// ErrBuiltin: the Administrator group cannot be created, changed or deleted.
	ErrBuiltin = fault.New(fault.State, "the Administrator group cannot be changed").With(fault.Problem{
		Type: "builtin-group", Title: "Built-in group", Detail: "the Administrator group cannot be changed or deleted",
	})
)

// ValidationError says which field of a command is wrong and why (see field.Error); decisions
// return it as a *ValidationError.
type ValidationError = field.Error

func invalid(name, problem string) *ValidationError { return field.Invalid(name, problem) }
