// Package recordercmd holds the commands of recorders, cameras and the item tree: a recorder
// registers itself with its account's registration code and reports its cameras, with the
// credentials it received; users rename and deregister recorders, rename and remove cameras, and
// arrange them in the account's item tree of folders (items.go). Each command authorizes its
// origin's principal before it decides.
package recordercmd

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/accounts/account"
	"github.com/camcloud/accounts/attempts"
	"github.com/camcloud/accounts/command"
	"github.com/camcloud/accounts/domain/fault"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/identity/reservation"
	"github.com/camcloud/accounts/recorders/itemtree"
	"github.com/camcloud/accounts/recorders/recorder"
)

var (
	// ErrUnknownCode answers every registration code that registers nothing: malformed, unknown,
	// rotated away, or its account's closed. One answer for all, so a guesser learns nothing.
	ErrUnknownCode = fault.New(fault.Invalid, "unknown registration code").With(fault.Problem{
		Type: "unknown-registration-code", Title: "Unknown registration code", Field: "registration_code",
		Detail: "no account registers recorders with this code; check it with the account's administrator",
	})
	// ErrAccountSuspended: the account (or one above it) is suspended: its recorders can neither
	// register nor report until it is reactivated.
	ErrAccountSuspended = fault.New(fault.Forbidden, "the account is suspended").With(fault.Problem{
		Type: "account-suspended", Title: "Account suspended",
		Detail: "the account is suspended: its recorders cannot register or report until it is reactivated",
	})
	// ErrAccountClosed: the recorder's account (or one above it) is closed: its credentials are
	// refused for good.
	ErrAccountClosed = fault.New(fault.Forbidden, "the account is closed").With(fault.Problem{
		Type: "account-closed", Title: "Account closed", Detail: "the recorder's account is closed",
	})
	// ErrUnknownLandingFolder: the folder chosen for a recorder's cameras is not a folder of its
	// account.
	ErrUnknownLandingFolder = fault.New(fault.Invalid, "unknown folder").With(fault.Problem{
		Type: "unknown-folder", Title: "Unknown folder", Field: "landing_folder_id", Detail: "landing_folder_id is not a folder of this account",
	})
	// ErrNotARecorder: a command for recorders called with other credentials.
	ErrNotARecorder = fault.New(fault.Forbidden, "only a recorder may do this").With(fault.Problem{
		Type: "wrong-credentials", Title: "Wrong kind of credentials", Detail: "this needs a recorder's credentials",
	})
)

// Codes resolves registration codes (the accounts read model): the account whose current code it
// is, and that account's effective status (closed or suspended when it or one above it is).
type Codes interface {
	AccountOfCode(ctx context.Context, code account.RegistrationCode) (accountID string, effective account.Status, found bool, err error)
}

// Lookup finds which recorder a camera and which account a folder belongs to (the read models;
// they may lag by the time a command takes to settle, and every answer is checked again against
// the streams the command loads).
type Lookup interface {
	CameraRecorder(ctx context.Context, cameraID string) (recorderID string, err error)
	// CameraRecorders maps each of cameraIDs that is a camera in the tree to its recorder.
	CameraRecorders(ctx context.Context, cameraIDs []string) (map[string]string, error)
	FolderAccount(ctx context.Context, folderID string) (accountID string, err error)
}

// The budgets of registration attempts: a guesser gets few codes a minute per address and per
// serial; an installer's successful registration gives its attempt back.
var (
	registerPerAddress = attempts.Limit{Burst: 20, Every: 3 * time.Second}
	registerPerSerial  = attempts.Limit{Burst: 5, Every: time.Minute}
)

// Aggregates.
var (
	// RecorderAggregate is how a recorder lives in the store; other contexts load recorders
	// through it (usage reports read a recorder's cameras).
	RecorderAggregate = command.Aggregate[recorder.Recorder, recorder.Event]{
		Category: "recorder", Apply: recorder.Recorder.Apply, Account: func(r recorder.Recorder) string { return r.AccountID },
		Keep:   true, // Apply copies the camera map before it changes it
		Weight: func(r recorder.Recorder) int { return len(r.Cameras) },
	}
	// TreeAggregate is how an account's item tree lives in the store; support grants check
	// their items through it.
	TreeAggregate = command.Aggregate[itemtree.Tree, itemtree.Event]{
		Category: "itemtree", Apply: itemtree.Tree.Apply, Account: func(t itemtree.Tree) string { return t.AccountID },
		Keep:   true, // Apply copies the folder and placement maps before it changes them
		Weight: func(t itemtree.Tree) int { return len(t.Folders) + len(t.Placed) },
	}
	serialAggregate = command.Aggregate[reservation.Reservation, reservation.Event]{Category: "recorderserial", Apply: reservation.Reservation.Apply}
)

// Commands handles the recorder commands.
type Commands struct {
	h         *command.Handler
	recorders command.Repository[recorder.Recorder, recorder.Event]
	trees     command.Repository[itemtree.Tree, itemtree.Event]
	serials   command.Repository[reservation.Reservation, reservation.Event]
	authz     *access.Authorizer
	codes     Codes
	lookup    Lookup
	limiter   attempts.Limiter
	random    io.Reader
}

// New returns the recorder commands.
func New(h *command.Handler, authz *access.Authorizer, codes Codes, lookup Lookup, limiter attempts.Limiter) *Commands {
	if limiter == nil {
		limiter = attempts.NewMemory()
	}
	return &Commands{h: h, recorders: command.NewRepository(h, RecorderAggregate), trees: command.NewRepository(h, TreeAggregate),
		serials: command.NewRepository(h, serialAggregate), authz: authz, codes: codes, lookup: lookup, limiter: limiter, random: rand.Reader}
}

// Register is what a recorder sends to join an account.
type Register struct {
	Code          string
	Serial        string
	Model         string
	Firmware      string
	Name          string
	ClientAddress string
}

// Registered is the answer to Register: the recorder's credentials, the secret shown this once.
type Registered struct {
	command.Result
	RecorderID string
	AccountID  string
	Secret     string
	// Token is what the recorder sends as its bearer token from now on.
	Token string
}

// tokenKind marks a recorder's bearer token: "recorder.<id>.<secret>".
const tokenKind = "recorder"

// Register registers a recorder into the account that owns the code, or registers it again with
// new credentials when it is in that account already. Every attempt is charged to the client
// address's and the serial's budgets before the code is looked at.
func (c *Commands) Register(ctx context.Context, origin command.Origin, cmd Register) (Registered, error) {
	serial, err := recorder.NormalizeSerial(cmd.Serial)
	if err != nil {
		return Registered{}, err
	}
	charged := attempts.Sorted(
		attempts.Attempt{Key: "register:addr:" + cmd.ClientAddress, Limit: registerPerAddress},
		attempts.Attempt{Key: "register:serial:" + serial, Limit: registerPerSerial},
	)
	now := c.h.Now()
	if err := attempts.Take(ctx, c.limiter, now, charged...); err != nil {
		return Registered{}, err
	}
	accountID, err := c.resolve(ctx, cmd.Code)
	if err != nil {
		return Registered{}, err
	}
	secret, digest, err := access.NewSecret(c.random)
	if err != nil {
		return Registered{}, err
	}
	out := Registered{AccountID: accountID, Secret: secret}
	// The recorder registers itself: it is the actor of its registration.
	done, err := c.h.Transact(ctx, origin, true, func(u *command.Unit) error {
		held, err := c.serials.LoadInto(ctx, u, serial)
		if err != nil {
			return err
		}
		id := uuid.NewString()
		s := c.recorders.New(id)
		if held.State.Held {
			id = held.State.OwnerID
			if s, err = c.recorders.LoadInto(ctx, u, id); err != nil {
				return err
			}
		} else {
			reserved, err := held.State.Reserve(serialAggregate.Category, serial, id)
			if err != nil {
				return err
			}
			c.serials.StageIn(u, accountID, held, reserved...)
		}
		events, err := recorder.Decide(s.State, recorder.Register{RecorderID: id, AccountID: accountID, Serial: serial,
			Model: cmd.Model, Firmware: cmd.Firmware, Name: cmd.Name, SecretDigest: digest})
		if err != nil {
			return err
		}
		c.recorders.Stage(u, s, events...)
		out.RecorderID = id
		return nil
	})
	if err != nil {
		return Registered{}, fmt.Errorf("register recorder: %w", err)
	}
	if err := c.limiter.Give(ctx, now, charged...); err != nil {
		return Registered{}, fmt.Errorf("register recorder: give the attempt back: %w", err)
	}
	out.Result = done.Of(c.recorders.Stream(out.RecorderID), command.Result{})
	out.Token = access.Token(tokenKind, out.RecorderID, secret)
	return out, nil
}

// resolve returns the account a code registers into.
func (c *Commands) resolve(ctx context.Context, raw string) (string, error) {
	code, err := account.ParseRegistrationCode(raw)
	if err != nil {
		return "", ErrUnknownCode
	}
	accountID, status, found, err := c.codes.AccountOfCode(ctx, code)
	switch {
	case err != nil:
		return "", err
	case !found, status == account.StatusClosed:
		return "", ErrUnknownCode
	case status == account.StatusSuspended:
		return "", ErrAccountSuspended
	}
	return accountID, nil
}

// ParseToken splits a recorder's bearer token ("recorder.<id>.<secret>") into its recorder ID
// and secret; ok is false for any other token.
func ParseToken(token string) (recorderID, secret string, ok bool) {
	return access.ParseToken(tokenKind, token)
}

// Report records a recorder's full list of cameras.
func (c *Commands) Report(ctx context.Context, origin command.Origin, cameras []recorder.Reported) (command.Result, error) {
	p := origin.Principal
	if p.Kind != access.Recorder {
		return command.Result{}, ErrNotARecorder
	}
	return c.recorders.Update(ctx, origin, command.Change[recorder.Recorder, recorder.Event]{
		ID: p.ID, NotFound: access.ErrUnauthenticated,
		Authorize: func(_ context.Context, r recorder.Recorder) error {
			if r.AccountID != p.AccountID || r.Status != recorder.StatusActive {
				return access.ErrUnauthenticated // credentials of another life of this recorder
			}
			return nil
		},
		Decide: func(u *command.Unit, r recorder.Recorder) ([]recorder.Event, error) {
			t, folder, err := c.landingFolder(ctx, u, r)
			if err != nil {
				return nil, err
			}
			events, err := r.Report(cameras, recorder.Landing{
				CameraID: func(hw string) string { return CameraID(r.ID, hw) },
				Folder:   folder,
				Day:      c.h.Now().UTC().Format(time.DateOnly),
			})
			if err != nil || folder == "" {
				return events, err
			}
			var discovered []string
			for _, e := range events {
				if d, ok := e.(recorder.CameraDiscovered); ok {
					discovered = append(discovered, d.CameraID)
				}
			}
			// The tree records where they stand, so that the folder is not deleted under them; a
			// report may discover more cameras than one placement holds.
			for len(discovered) > 0 {
				n := min(len(discovered), itemtree.MaxCamerasPerMove)
				placed, err := t.State.PlaceCameras(r.AccountID, discovered[:n], folder)
				if err != nil {
					return nil, err
				}
				t.State = c.trees.Stage(u, t, placed...)
				discovered = discovered[n:]
			}
			return events, nil
		},
	})
}

// landingFolder returns where the cameras a report discovers land: the recorder's landing
// folder while it is in the tree (read into u, so that a deletion meanwhile decides again), else
// the top level ("").
func (c *Commands) landingFolder(ctx context.Context, u *command.Unit, r recorder.Recorder) (command.Stream[itemtree.Tree], string, error) {
	if r.LandingFolder == "" {
		return command.Stream[itemtree.Tree]{}, "", nil
	}
	t, err := c.trees.LoadInto(ctx, u, r.AccountID)
	if err != nil {
		return t, "", err
	}
	u.Check(t.Name)
	if _, ok := t.State.Folders[r.LandingFolder]; !ok {
		return t, "", nil
	}
	return t, r.LandingFolder, nil
}

// CameraID is our stable ID of the camera with hardware ID hw on recorder recorderID.
func CameraID(recorderID, hw string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:camcloud:camera:"+recorderID+"/"+hw)).String()
}

// manages authorizes a user's change of a recorder: recorders.manage on its account. A recorder
// is no item of the tree, so a support agent under a grant of items never changes one.
func (c *Commands) manages(p access.Principal) func(context.Context, recorder.Recorder) error {
	return func(ctx context.Context, r recorder.Recorder) error {
		if p.Limited() {
			return recorder.ErrNotFound
		}
		return access.OutOfScopeAs(c.authz.RequireChange(ctx, p, group.RecordersManage, r.AccountID), recorder.ErrNotFound)
	}
}

// onCamera authorizes a user's change of a camera: recorders.manage on its recorder's account
// (manages), and for a support agent under a grant of items, the camera inside the grant, as
// the tree (read into the unit) places it.
func (c *Commands) onCamera(ctx context.Context, u *command.Unit, p access.Principal, r recorder.Recorder, cameraID string) error {
	if !p.Limited() {
		return nil
	}
	t, err := c.trees.LoadInto(ctx, u, r.AccountID)
	if err != nil {
		return err
	}
	u.Check(t.Name)
	return reaches(p, t.State, cameraID, recorder.ErrCameraNotFound)
}

// UpdateRecorder renames a recorder and/or chooses where its new cameras land (a folder of its
// account's tree, "" for the top level); nil leaves either as it is. The folder is checked on
// the tree in the same unit, so one deleted meanwhile fails the change.
func (c *Commands) UpdateRecorder(ctx context.Context, origin command.Origin, recorderID string, name, landingFolder *string, ifRevision *uint64) (command.Result, error) {
	return c.recorders.Update(ctx, origin, command.Change[recorder.Recorder, recorder.Event]{
		ID: recorderID, IfRevision: ifRevision, NotFound: recorder.ErrNotFound, Authorize: c.manages(origin.Principal),
		Decide: func(u *command.Unit, r recorder.Recorder) ([]recorder.Event, error) {
			var events []recorder.Event
			if name != nil {
				renamed, err := r.Rename(*name)
				if err != nil {
					return nil, err
				}
				events = append(events, renamed...)
			}
			if landingFolder != nil {
				if *landingFolder != "" {
					t, err := c.trees.LoadInto(ctx, u, r.AccountID)
					if err != nil {
						return nil, err
					}
					if _, ok := t.State.Folders[*landingFolder]; !ok {
						return nil, ErrUnknownLandingFolder
					}
					u.Check(t.Name)
				}
				chosen, err := r.ChooseLandingFolder(*landingFolder)
				if err != nil {
					return nil, err
				}
				events = append(events, chosen...)
			}
			return events, nil
		},
	})
}

// Deregister takes a recorder out of its account: its credentials stop working, its serial is
// free again, and its cameras leave the item tree.
func (c *Commands) Deregister(ctx context.Context, origin command.Origin, recorderID string) (command.Result, error) {
	return c.recorders.Update(ctx, origin, command.Change[recorder.Recorder, recorder.Event]{
		ID: recorderID, NotFound: recorder.ErrNotFound, Authorize: c.manages(origin.Principal),
		Decide: func(u *command.Unit, r recorder.Recorder) ([]recorder.Event, error) {
			events, err := r.Deregister()
			if err != nil {
				return nil, err
			}
			held, err := c.serials.LoadInto(ctx, u, r.Serial)
			if err != nil {
				return nil, err
			}
			released, err := held.State.Release(r.ID)
			if err != nil {
				return nil, err
			}
			c.serials.StageIn(u, r.AccountID, held, released...)
			var cameras []string
			for _, cam := range r.Live() {
				cameras = append(cameras, cam.ID)
			}
			return events, c.unplace(ctx, u, r.AccountID, cameras...)
		},
	})
}

// unplace puts cameras that stand in a folder back at the top level of the tree, so that the
// folder can be deleted once they are gone.
func (c *Commands) unplace(ctx context.Context, u *command.Unit, accountID string, cameras ...string) error {
	t, err := c.trees.LoadInto(ctx, u, accountID)
	if err != nil {
		return err
	}
	// The decision depends on the tree even when nothing is placed: a move committed meanwhile
	// would otherwise leave the camera placed in a folder after it is gone.
	u.Check(t.Name)
	var placed []string
	for _, cam := range cameras {
		if _, ok := t.State.Placed[cam]; ok {
			placed = append(placed, cam)
		}
	}
	if len(placed) == 0 {
		return nil
	}
	events, err := t.State.PlaceCameras(accountID, placed, "")
	if err != nil {
		return err
	}
	c.trees.Stage(u, t, events...)
	return nil
}

// cameraChange runs a user's decision on a camera in its recorder's stream.
func (c *Commands) cameraChange(ctx context.Context, origin command.Origin, cameraID string, decide func(*command.Unit, recorder.Recorder) ([]recorder.Event, error)) (command.Result, error) {
	if _, err := uuid.Parse(cameraID); err != nil {
		return command.Result{}, recorder.ErrCameraNotFound
	}
	recorderID, err := c.lookup.CameraRecorder(ctx, cameraID)
	if err != nil {
		return command.Result{}, err
	}
	p := origin.Principal
	return c.recorders.Update(ctx, origin, command.Change[recorder.Recorder, recorder.Event]{
		ID: recorderID, NotFound: recorder.ErrCameraNotFound,
		Authorize: func(ctx context.Context, r recorder.Recorder) error {
			return access.OutOfScopeAs(c.authz.RequireChange(ctx, p, group.RecordersManage, r.AccountID), recorder.ErrCameraNotFound)
		},
		Decide: func(u *command.Unit, r recorder.Recorder) ([]recorder.Event, error) {
			if err := c.onCamera(ctx, u, p, r, cameraID); err != nil {
				return nil, err
			}
			return decide(u, r)
		},
	})
}

// RenameCamera gives a camera the name users see.
func (c *Commands) RenameCamera(ctx context.Context, origin command.Origin, cameraID, name string) (command.Result, error) {
	return c.cameraChange(ctx, origin, cameraID, func(_ *command.Unit, r recorder.Recorder) ([]recorder.Event, error) {
		return r.RenameCamera(cameraID, name)
	})
}

// RemoveCamera removes a camera for good (it leaves the item tree; a report does not bring it
// back).
func (c *Commands) RemoveCamera(ctx context.Context, origin command.Origin, cameraID string) (command.Result, error) {
	return c.cameraChange(ctx, origin, cameraID, func(u *command.Unit, r recorder.Recorder) ([]recorder.Event, error) {
		events, err := r.RemoveCamera(cameraID)
		if err != nil {
			return nil, err
		}
		return events, c.unplace(ctx, u, r.AccountID, cameraID)
	})
}

// CredentialStore finds a recorder's credentials (the recorders read model).
type CredentialStore interface {
	RecorderCredentials(ctx context.Context, recorderID string) (accountID, secretDigest string, registered bool, accountStatus account.Status, err error)
}

// Authenticator authenticates recorders by their bearer token "recorder.<id>.<secret>": the
// secret must match the digest of the recorder's current credentials and the recorder must be
// registered (else 401); right credentials of a recorder whose account is suspended or closed
// are refused with 403 and a problem that says so. Any other token is not its to judge.
type Authenticator struct {
	Credentials CredentialStore
}

// Authenticate implements httpkit.Authenticator.
func (a Authenticator) Authenticate(ctx context.Context, token string) (access.Principal, error) {
	id, secret, ok := ParseToken(token)
	if !ok {
		return access.Principal{}, access.ErrUnauthenticated
	}
	accountID, digest, registered, status, err := a.Credentials.RecorderCredentials(ctx, id)
	switch {
	case errors.Is(err, recorder.ErrNotFound):
		return access.Principal{}, access.ErrUnauthenticated
	case err != nil:
		return access.Principal{}, err
	case !registered || !access.SameSecret(secret, digest):
		return access.Principal{}, access.ErrUnauthenticated
	case status == account.StatusSuspended:
		return access.Principal{}, ErrAccountSuspended
	case status == account.StatusClosed:
		return access.Principal{}, ErrAccountClosed
	}
	return access.Principal{Kind: access.Recorder, ID: id, AccountID: accountID}, nil
}

// IsToken reports whether a bearer token is a recorder's.
func IsToken(token string) bool { return strings.HasPrefix(token, tokenKind+".") }
