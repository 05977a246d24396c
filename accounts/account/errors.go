package account

import (
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/domain/field"
)

// The outcomes a caller acts on; test for them with errors.Is. Each says its kind (domain/fault),
// which ports map to their answers, so each one names a distinct answer rather than a distinct cause.
var (
	// ErrInvalid is matched by every *ValidationError: the command is malformed.
	ErrInvalid = field.ErrInvalid
	// ErrNotFound: the account's stream is empty.
	ErrNotFound = fault.New(fault.NotFound, "account not found")
	// ErrAlreadyExists: the account to create already has a stream.
	ErrAlreadyExists = fault.New(fault.State, "account already exists").With(fault.Problem{Explain: true})
	// ErrUnknownParent: the parent named by a create command does not exist.
	ErrUnknownParent = fault.New(fault.Invalid, "parent account not found").With(fault.Problem{
		Type: "unknown-parent", Title: "Unknown parent account", Field: "parent_id",
	})
	// ErrParentNotPartner: only partners hold other accounts.
	ErrParentNotPartner = fault.New(fault.Invalid, "parent account is not a partner").With(fault.Problem{
		Type: "parent-not-partner", Title: "Parent is not a partner", Field: "parent_id",
		Detail: "only partner accounts have child accounts",
	})
	// ErrSupportTeamPlace: support teams are platform staff, directly below the platform root.
	ErrSupportTeamPlace = fault.New(fault.Invalid, "a support team belongs directly below the platform root").With(fault.Problem{
		Type: "support-team-place", Title: "Support team below a partner", Field: "kind",
		Detail: "a support team account can only be created directly below the platform root",
	})
	// ErrClosed: the account is closed, which is terminal: it is not reactivated, changed or given
	// children.
	ErrClosed = fault.New(fault.State, "account is closed").With(fault.Problem{
		Type: "account-closed", Title: "Account closed",
		Detail: "a closed account cannot be reactivated or changed",
	})
	// ErrParentClosed: a closed account holds no new children.
	ErrParentClosed = fault.New(fault.State, "parent account is closed").With(fault.Problem{
		Type: "account-closed", Title: "Account closed", Field: "parent_id",
		Detail: "a closed account cannot hold new accounts",
	})
	// ErrPlatformRoot: the platform root is never suspended or closed.
	ErrPlatformRoot = fault.New(fault.Forbidden, "the platform root cannot be suspended or closed").With(fault.Problem{
		Type: "platform-root", Title: "Platform root",
		Detail: "the platform root account cannot be suspended or closed",
	})
)

// ValidationError says which field of a command is wrong and why (see field.Error); decisions
// return it as a *ValidationError.
type ValidationError = field.Error

func invalid(name, problem string) *ValidationError { return field.Invalid(name, problem) }
