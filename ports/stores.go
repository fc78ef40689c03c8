package ports

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Every store reports a missing object as a domain error of kind not found and a duplicate key
// as kind conflict. Update methods load the row for update, call fn and store the result in one
// transaction; when fn returns an error nothing is written.

// PoolStore keeps user pools.
type PoolStore interface {
	Create(ctx context.Context, pool *domain.Pool) error
	Get(ctx context.Context, id string) (*domain.Pool, error)
	List(ctx context.Context, page domain.Page) (domain.List[domain.Pool], error)
	Update(ctx context.Context, id string, fn func(*domain.Pool) error) (*domain.Pool, error)
	// Delete removes the pool and everything it owns.
	Delete(ctx context.Context, id string) error
	// SetDefault marks id as the default pool and clears the mark everywhere else.
	SetDefault(ctx context.Context, id string) error
}

// ImageStore keeps uploaded logos and icons.
type ImageStore interface {
	Put(ctx context.Context, img *domain.Image) error
	Get(ctx context.Context, id string) (*domain.Image, error)
	Delete(ctx context.Context, id string) error
}

// SettingStore keeps server-wide settings such as the admin token's hash.
type SettingStore interface {
	// Get returns ("", nil) when the setting does not exist.
	Get(ctx context.Context, name string) (string, error)
	Put(ctx context.Context, name, value string) error
}

// ApplicationCounter tells how many enabled applications a pool has; a pool with any cannot be
// deleted.
type ApplicationCounter interface {
	CountEnabled(ctx context.Context, poolID string) (int, error)
}

// AttributeStore keeps a pool's attribute definitions. Attributes are addressed by name.
type AttributeStore interface {
	Create(ctx context.Context, attrs ...domain.Attribute) error
	Get(ctx context.Context, poolID, name string) (*domain.Attribute, error)
	List(ctx context.Context, poolID string) ([]domain.Attribute, error)
	Update(ctx context.Context, poolID, name string, fn func(*domain.Attribute) error) (*domain.Attribute, error)
	Delete(ctx context.Context, poolID, name string) error
	// InUse reports whether any user of the pool has a value for the attribute.
	InUse(ctx context.Context, poolID, name string) (bool, error)
}

// UserKey names a unique user identifier to look a user up by.
type UserKey string

const (
	ByUserName UserKey = "user_name"
	ByEmail    UserKey = "email"
	ByPhone    UserKey = "phone_number"
	ByID       UserKey = "id"
)

// UserQuery filters a user list. Search matches the start of the username, email or phone.
type UserQuery struct {
	Search  string
	Status  domain.UserStatus
	GroupID string
	Page    domain.Page
}

// UserStore keeps users with their attribute values and group memberships. Create and Update
// refuse (kind invalid, field group_ids) a group id that is not a group of the user's pool.
type UserStore interface {
	Create(ctx context.Context, user *domain.User) error
	Get(ctx context.Context, poolID, id string) (*domain.User, error)
	FindBy(ctx context.Context, poolID string, key UserKey, value string) (*domain.User, error)
	// FindRow is FindBy without the attribute values and group ids (Attributes empty, GroupIDs
	// nil): one indexed row read, for sign-in paths that need neither.
	FindRow(ctx context.Context, poolID string, key UserKey, value string) (*domain.User, error)
	List(ctx context.Context, poolID string, q UserQuery) (domain.List[domain.User], error)
	Update(ctx context.Context, poolID, id string, fn func(*domain.User) error) (*domain.User, error)
	// Delete removes the users with ids; it fails with not found, removing nothing, when any of
	// them is not in the pool.
	Delete(ctx context.Context, poolID string, ids []string) error
}

// GroupStore keeps user groups and their members. Get and List fill MemberCount.
type GroupStore interface {
	Create(ctx context.Context, group *domain.Group) error
	Get(ctx context.Context, poolID, id string) (*domain.Group, error)
	List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Group], error)
	Update(ctx context.Context, poolID, id string, fn func(*domain.Group) error) (*domain.Group, error)
	// Delete removes the groups with ids and their memberships; it fails with not found,
	// removing nothing, when any of them is not in the pool.
	Delete(ctx context.Context, poolID string, ids []string) error
}

// GroupMembers keeps which users belong to which group. Every method fails with not found when
// the group is not in the pool.
type GroupMembers interface {
	// Add makes the users members; existing members stay as they are. It fails with not found,
	// adding nothing, when any user is not in the pool.
	Add(ctx context.Context, poolID, groupID string, userIDs []string) error
	// Remove ends the users' membership; ids that are not members are ignored.
	Remove(ctx context.Context, poolID, groupID string, userIDs []string) error
	// List returns a page of members with ID, UserName, Email, PhoneNumber and Status filled.
	List(ctx context.Context, poolID, groupID string, page domain.Page) (domain.List[domain.User], error)
}

// ConnectorStore keeps a pool's connector instances. Secret configuration fields arrive and
// leave sealed (ports.Cipher); the store never sees them in clear.
type ConnectorStore interface {
	Create(ctx context.Context, c *domain.Connector) error
	Get(ctx context.Context, poolID, id string) (*domain.Connector, error)
	List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Connector], error)
	Update(ctx context.Context, poolID, id string, fn func(*domain.Connector) error) (*domain.Connector, error)
	Delete(ctx context.Context, poolID, id string) error
}

// MessageSettingsStore keeps each pool's message settings; Get of a pool without settings
// returns empty settings, not an error.
type MessageSettingsStore interface {
	Get(ctx context.Context, poolID string) (*domain.MessageSettings, error)
	Put(ctx context.Context, s *domain.MessageSettings) error
}

// QuotaCounter counts a pool's messages on the platform's default connectors. Consume is atomic
// across server instances: of many concurrent calls at most limit succeed in total.
type QuotaCounter interface {
	// Consume takes one message from the pool's quota on channel; false when none is left.
	Consume(ctx context.Context, poolID, channel string, limit int) (bool, error)
	// Refund gives back one message whose send failed.
	Refund(ctx context.Context, poolID, channel string) error
	// Used tells how many messages the pool has used per channel.
	Used(ctx context.Context, poolID string) (map[string]int, error)
}
