package recorderview

import (
	"context"
	"errors"

	"github.com/camcloud/accounts/access"
	"github.com/camcloud/accounts/identity/group"
	"github.com/camcloud/accounts/recorders/itemtree"
	"github.com/camcloud/accounts/recorders/recorder"
)

// Reader answers the recorder and item tree queries a principal asks, each authorized before it
// answers: recorders.manage on the account, within the principal's scope; outside it a recorder,
// a folder or a camera is as unknown as a missing one. A support agent under a grant of items
// sees those items and what is below them, and the recorders of the cameras among them.
type Reader struct {
	q     *Queries
	authz *access.Authorizer
}

// NewReader returns the authorized queries over q.
func NewReader(q *Queries, authz *access.Authorizer) *Reader { return &Reader{q: q, authz: authz} }

// may authorizes p on account, answering a miss of scope with notFound.
func (r *Reader) may(ctx context.Context, p access.Principal, accountID string, notFound error) error {
	return access.OutOfScopeAs(r.authz.Require(ctx, p, group.RecordersManage, accountID), notFound)
}

// Recorders lists an account's recorders.
func (r *Reader) Recorders(ctx context.Context, p access.Principal, accountID, search, after string, limit int) (Page, error) {
	if err := r.authz.Require(ctx, p, group.RecordersManage, accountID); err != nil {
		return Page{}, err
	}
	return r.q.Recorders(ctx, accountID, search, after, limit, p.Grant.Items...)
}

// Recorder returns one recorder.
func (r *Reader) Recorder(ctx context.Context, p access.Principal, id string) (Recorder, error) {
	rec, err := r.q.Recorder(ctx, id)
	if err != nil {
		return Recorder{}, err
	}
	if err := r.may(ctx, p, rec.AccountID, recorder.ErrNotFound); err != nil {
		return Recorder{}, err
	}
	if p.Limited() {
		holds, err := r.q.RecorderHolds(ctx, id, p.Grant.Items)
		if err != nil {
			return Recorder{}, err
		}
		if !holds {
			return Recorder{}, recorder.ErrNotFound
		}
	}
	return rec, nil
}

// Tree returns an account's tree, or the part below a folder of it.
func (r *Reader) Tree(ctx context.Context, p access.Principal, accountID, root, kind string) (Tree, error) {
	if err := r.authz.Require(ctx, p, group.RecordersManage, accountID); err != nil {
		return Tree{}, err
	}
	if root == "" {
		// A grant of items: the tree is the granted items with everything below them.
		return r.q.Tree(ctx, accountID, kind, p.Grant.Items...)
	}
	it, err := r.q.Item(ctx, root)
	switch {
	case errors.Is(err, ErrItemNotFound), err == nil && (it.AccountID != accountID || it.Kind != "folder" || !p.Reaches(it.ID, it.Ancestors)):
		return Tree{}, itemtree.ErrFolderNotFound
	case err != nil:
		return Tree{}, err
	}
	return r.q.Tree(ctx, accountID, kind, root)
}

// Item returns one folder or camera.
func (r *Reader) Item(ctx context.Context, p access.Principal, id string) (Item, error) {
	it, err := r.q.Item(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if err := r.may(ctx, p, it.AccountID, ErrItemNotFound); err != nil {
		return Item{}, err
	}
	if !p.Reaches(it.ID, it.Ancestors) {
		return Item{}, ErrItemNotFound
	}
	return it, nil
}

// Camera returns one camera with its path and recorder.
func (r *Reader) Camera(ctx context.Context, p access.Principal, id string) (Camera, error) {
	c, err := r.q.Camera(ctx, id)
	if err != nil {
		return Camera{}, err
	}
	if err := r.may(ctx, p, c.AccountID, recorder.ErrCameraNotFound); err != nil {
		return Camera{}, err
	}
	if !p.Reaches(c.ID, c.Ancestors) {
		return Camera{}, recorder.ErrCameraNotFound
	}
	return c, nil
}
