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
	List(ctx context.Context, poolID string, q UserQuery) (domain.List[domain.User], error)
	Update(ctx context.Context, poolID, id string, fn func(*domain.User) error) (*domain.User, error)
	// Delete removes the users with ids; it fails with not found, removing nothing, when any of
	// them is not in the pool.
	Delete(ctx context.Context, poolID string, ids []string) error
}

// GroupStore keeps user groups and their members.
type GroupStore interface {
	Create(ctx context.Context, group *domain.Group) error
	Get(ctx context.Context, poolID, id string) (*domain.Group, error)
	List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Group], error)
	Update(ctx context.Context, poolID, id string, fn func(*domain.Group) error) (*domain.Group, error)
	Delete(ctx context.Context, poolID string, ids []string) error
}

// GroupMembers keeps which users belong to which group.
type GroupMembers interface {
	Add(ctx context.Context, poolID, groupID string, userIDs []string) error
	Remove(ctx context.Context, poolID, groupID string, userIDs []string) error
	List(ctx context.Context, poolID, groupID string, page domain.Page) (domain.List[domain.User], error)
}
