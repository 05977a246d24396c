package itemtree

// Event is a fact about an account's item tree.
type Event interface {
	EventType() string
}

// FolderCreated: a folder was made under ParentID ("" for the top level).
type FolderCreated struct {
	AccountID string `json:"account_id"`
	FolderID  string `json:"folder_id"`
	ParentID  string `json:"parent_id"`
	Name      string `json:"name"`
}

// FolderRenamed: one event whatever the folder holds; read models recompute the paths below it.
type FolderRenamed struct {
	AccountID string `json:"account_id"`
	FolderID  string `json:"folder_id"`
	Name      string `json:"name"`
}

// FolderMoved: the folder, with everything below it, now stands under ParentID.
type FolderMoved struct {
	AccountID string `json:"account_id"`
	FolderID  string `json:"folder_id"`
	ParentID  string `json:"parent_id"`
}

// FolderDeleted: an empty folder was deleted.
type FolderDeleted struct {
	AccountID string `json:"account_id"`
	FolderID  string `json:"folder_id"`
}

// CamerasPlaced: the cameras now stand in FolderID ("" for the top level). Several cameras move
// in one event.
type CamerasPlaced struct {
	AccountID string   `json:"account_id"`
	CameraIDs []string `json:"camera_ids"`
	FolderID  string   `json:"folder_id"`
}

func (FolderCreated) EventType() string { return "itemtree.folder-created.v1" }
func (FolderRenamed) EventType() string { return "itemtree.folder-renamed.v1" }
func (FolderMoved) EventType() string   { return "itemtree.folder-moved.v1" }
func (FolderDeleted) EventType() string { return "itemtree.folder-deleted.v1" }
func (CamerasPlaced) EventType() string { return "itemtree.cameras-placed.v1" }

// Events returns a zero value of every event type of this package, to register with a codec.
func Events() []Event {
	return []Event{FolderCreated{}, FolderRenamed{}, FolderMoved{}, FolderDeleted{}, CamerasPlaced{}}
}
