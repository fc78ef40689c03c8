package domain

import "time"

// UserStatus is the state the guide describes: a new user is disabled until its first login.
type UserStatus string

const (
	UserDisabled UserStatus = "disabled"
	UserEnabled  UserStatus = "enabled"
	UserLocked   UserStatus = "locked"
	UserFrozen   UserStatus = "frozen"
)

// LockType says who locked a user: only an administrator unlocks an administrator's lock; a
// lock after failed logins lifts itself per the password policy.
type LockType string

const (
	LockNone        LockType = ""
	LockAdmin       LockType = "admin"
	LockFailedLogin LockType = "failed_login"
)

// UserSource says how a user came to exist.
const (
	SourceAdmin      = "admin"
	SourceAutoSignup = "auto_signup"
	SourceSignup     = "signup"
)

// User is an end user of a pool. Built-in attributes are fields; every other attribute value
// (preset or custom) is in Attributes, keyed by attribute name.
type User struct {
	ID                string
	PoolID            string
	UserName          string
	Email             string
	PhoneNumber       string
	PasswordHash      string
	Status            UserStatus
	Source            string
	AlreadyFirstLogin bool
	ErrorCount        int
	LockType          LockType
	LockTime          *time.Time
	Frozen            bool
	LastLoginAt       *time.Time
	Attributes        map[string]any
	GroupIDs          []string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}
